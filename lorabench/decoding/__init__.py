"""The CPU batch decoder behind the transformers backend, and the transformers internals it relies on."""
