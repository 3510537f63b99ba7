"""The model registry: names, where their weights are, what identifies them."""
