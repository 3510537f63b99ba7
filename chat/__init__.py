"""Chat with the models of the registry: turn logic and web search (the gradio UI is not written yet)."""
