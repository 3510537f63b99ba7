"""LoRA / rsLoRA fine-tuning (unsloth on CUDA, PEFT + TRL elsewhere). Not written yet: see README."""
