"""Chat with the models of the registry (gradio), web search for it, and serving the models."""
