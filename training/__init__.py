"""LoRA / rsLoRA fine-tuning (unsloth on CUDA, PEFT + TRL elsewhere): `python -m training --preset ...`."""
