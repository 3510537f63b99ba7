"""Every training setting in one visible, typed config; presets only override some of them.

The presets reproduce the seed project's adapters (values from its training notebook). It never
committed its rsLoRA setup: `rslora` is the `lora` preset with `use_rslora=True`, which is what its
adapter's name and config imply, not a recovered recipe.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from typing import Any, get_type_hints

LLAMA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class TrainConfig:
    # model
    base: str = "unsloth/Llama-3.2-3B-Instruct-bnb-4bit"  # hub id, local dir, or a benchmark registry name
    chat_template: str = "llama-3.1"  # "llama-3.1" (Llama 3.x's), "model" (the base's own), or a .jinja file
    max_seq_length: int = 2048
    load_in_4bit: bool = True  # CUDA only; ignored (and recorded as such) on CPU
    # data
    dataset: str = "mlabonne/FineTome-100k"  # hub id, or a local .jsonl/.json/.parquet file or directory
    dataset_format: str = "sharegpt"  # sharegpt (FineTome) | finance (Finance-Instruct-500k columns)
    split: str = "train"
    held_out_split: str | None = None  # rows never trained on, kept for evaluation sampling
    finance_filter: bool = False
    shuffle_seed: int | None = None
    max_samples: int | None = None
    # adapter
    r: int = 32
    lora_alpha: int = 32
    lora_dropout: float = 0.0
    bias: str = "none"
    use_rslora: bool = False
    target_modules: tuple[str, ...] = LLAMA_TARGETS
    # optimisation
    per_device_train_batch_size: int = 2
    gradient_accumulation_steps: int = 16
    warmup_steps: int = 150
    max_steps: int = 5000
    learning_rate: float = 2e-4
    weight_decay: float = 0.01
    lr_scheduler_type: str = "linear"
    optim: str = "adamw_8bit"  # needs bitsandbytes and CUDA; the CPU engine uses adamw_torch and says so
    seed: int = 3407
    packing: bool = False
    logging_steps: int = 10
    save_steps: int = 250  # checkpoints to resume from
    # run
    engine: str = "auto"  # auto (unsloth on CUDA, else peft) | unsloth | peft
    output_dir: str = "outputs/lora"
    extra: dict[str, Any] = field(default_factory=dict)  # recorded, not interpreted

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


PRESETS: dict[str, dict[str, Any]] = {
    "lora": {"output_dir": "outputs/lora"},
    "rslora": {"use_rslora": True, "output_dir": "outputs/rslora"},
    "finance": {
        "dataset": "Josephgflowers/Finance-Instruct-500k",
        "dataset_format": "finance",
        "split": "train[:75%]",
        "held_out_split": "train[75%:]",
        "finance_filter": True,
        "shuffle_seed": 42,
        "r": 16,
        "lora_alpha": 16,
        "per_device_train_batch_size": 8,
        "gradient_accumulation_steps": 7,
        "warmup_steps": 162,
        "max_steps": 3250,
        "output_dir": "outputs/finance",
    },
    # The offline demo: SmolLM2-135M on the synthetic set `python -m training.demo_data` writes.
    "demo": {
        "base": "smollm2",
        "chat_template": "model",
        "load_in_4bit": False,
        "dataset": "data/demo_train.jsonl",
        "max_seq_length": 512,
        "r": 16,
        "lora_alpha": 32,
        "per_device_train_batch_size": 4,
        "gradient_accumulation_steps": 1,
        "warmup_steps": 5,
        "max_steps": 75,  # 300 of the 600 conversations: minutes on a CPU (docs/training.md)
        "learning_rate": 1e-3,
        "optim": "adamw_torch",
        "save_steps": 25,
        "output_dir": "outputs/demo",
    },
}


class ConfigError(ValueError):
    """A preset or --set that cannot be used; the message names it."""


def _coerce(name: str, text: str, kind: Any) -> Any:
    """A --set value as the field's type: ints, floats, booleans, None, tuples of strings."""
    if text.lower() in ("none", "null") and "None" in str(kind):
        return None
    kind_text = str(kind)
    try:
        if "tuple" in kind_text:
            return tuple(part.strip() for part in text.split(",") if part.strip())
        if kind is bool or kind_text.startswith("bool"):
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("true", "1", "yes")
        if kind is int or kind_text.startswith("int"):
            return int(text)
        if kind is float or kind_text.startswith("float"):
            return float(text)
    except ValueError:
        expected = getattr(kind, "__name__", kind_text).replace("typing.", "")
        raise ConfigError(f"--set {name}={text}: expected {expected}") from None
    return text


def build_config(preset: str, overrides: list[str]) -> TrainConfig:
    """The preset's config with `key=value` overrides applied, every key checked."""
    if preset not in PRESETS:
        raise ConfigError(f"--preset {preset!r} is not a preset; known: {', '.join(PRESETS)}")
    config = TrainConfig(**PRESETS[preset])
    types = get_type_hints(TrainConfig)
    names = {f.name for f in fields(TrainConfig)} - {"extra"}
    for override in overrides:
        name, sep, text = override.partition("=")
        if not sep:
            raise ConfigError(f"--set {override!r}: expected key=value")
        if name not in names:
            raise ConfigError(f"--set {name}: not a setting; known: {', '.join(sorted(names))}")
        setattr(config, name, _coerce(name, text, types[name]))
    return config
