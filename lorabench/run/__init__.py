"""One benchmark run: cases, prompts, the generation cache, generating and judging answers."""
