"""Loading a transformers model for a registry entry: base weights, 4-bit quantization, LoRA adapter,
chat template. Shared by the transformers and unsloth backends; torch, peft and bitsandbytes are
imported only inside the functions that need them.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from lorabench.models.sources import HUB_ID, ModelSourceError, cached_path, locate
from lorabench.models.spec import ModelSpec
from lorabench.run.adapter_effect import check_adapter_effect

# A GPU driver's device files on Linux: NVIDIA's, WSL's GPU bridge, AMD's ROCm (which torch.cuda also drives).
GPU_DEVICE_PATTERNS = ("/dev/nvidia*", "/dev/dxg", "/dev/kfd")


def gpu_device_present() -> bool:
    """Whether a GPU driver shows a device file. Where none does, torch cannot reach a GPU either, so
    `cuda_available` answers without importing torch (which takes seconds): `--list-models` stays quick."""
    if sys.platform != "linux":
        return True  # no such rule elsewhere: ask torch
    return any(glob.glob(pattern) for pattern in GPU_DEVICE_PATTERNS)


def cuda_available() -> bool:
    """`torch.cuda.is_available()`, without importing torch on a Linux machine that has no GPU device."""
    if importlib.util.find_spec("torch") is None:
        return False
    if "torch" not in sys.modules and not gpu_device_present():
        return False
    import torch

    return torch.cuda.is_available()


def prequantized_method(model_dir: Path) -> str | None:
    """The quantization a checkpoint's config.json declares (unsloth's *-bnb-4bit say "bitsandbytes")."""
    config = model_dir / "config.json"
    if not config.is_file():
        return None
    return (json.loads(config.read_text()).get("quantization_config") or {}).get("quant_method")


def needs_cuda(spec: ModelSpec, base_dir: Path | None) -> bool:
    return spec.quantization == "bnb-4bit" or (base_dir is not None and prequantized_method(base_dir) == "bitsandbytes")


def require_cuda_for_4bit(spec: ModelSpec, base_dir: Path | None) -> None:
    """One clear line instead of a bitsandbytes stack trace on a machine without CUDA."""
    if not needs_cuda(spec, base_dir):
        return
    if not cuda_available():
        raise ModelSourceError(
            f"model {spec.name}: {spec.base} is bitsandbytes 4-bit, which needs a CUDA GPU and "
            "`pip install -r requirements-gpu.txt`; this machine has no CUDA (use an unquantized base with "
            'quantization = "none" in a --models-file entry to run it on CPU)'
        )
    if importlib.util.find_spec("bitsandbytes") is None:
        raise ModelSourceError(f"model {spec.name}: 4-bit needs bitsandbytes: pip install -r requirements-gpu.txt")


def torch_dtype(spec: ModelSpec, device: str) -> Any:
    import torch

    if spec.dtype == "auto":
        return torch.bfloat16 if device == "cuda" else torch.float32
    return getattr(torch, spec.dtype)


def quantization_config(spec: ModelSpec, base_dir: Path) -> Any:
    """NF4 settings for an unquantized base asked to load in 4 bits; None otherwise (a pre-quantized
    checkpoint brings its own)."""
    if spec.quantization != "bnb-4bit" or prequantized_method(base_dir) is not None:
        return None
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_compute_dtype=torch.bfloat16,
        bnb_4bit_use_double_quant=True,
    )


def apply_adapter(
    model: Any, spec: ModelSpec, adapter_dir: Path, quantized: bool, tokenizer: Any
) -> tuple[Any, dict[str, Any]]:
    """Wrap `model` with the adapter as saved (its adapter_config.json sets r, lora_alpha, use_rslora and
    the target modules), check that it changes the logits (before any merge, which would leave nothing to
    disable), and merge it into the weights when the entry asks to. Returns the model and the check."""
    from peft import PeftModel

    model = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False)
    effect = check_adapter_effect(model.eval(), tokenizer, spec.name, spec.adapter or str(adapter_dir))
    if spec.merge_adapter:
        if quantized:
            raise ModelSourceError(
                f"model {spec.name}: merge_adapter rounds the merged weights back to 4 bits, so the outputs would "
                "not be the adapter's; set merge_adapter = false for a 4-bit base"
            )
        model = model.merge_and_unload()
    return model, effect


def chat_template_text(spec: ModelSpec) -> str | None:
    """The override template: a template file's text, or the template of another model's tokenizer."""
    if spec.chat_template is None:
        return None
    path = Path(spec.chat_template).expanduser()
    if path.is_file():
        return path.read_text(encoding="utf-8")
    from transformers import AutoTokenizer

    source = locate(spec.chat_template, spec.name, "chat_template")
    template = AutoTokenizer.from_pretrained(source).chat_template
    if not template:
        raise ModelSourceError(f"model {spec.name}: chat_template {spec.chat_template} has no chat template")
    return template


def tokenizer_dir(base_dir: Path, adapter_dir: Path | None) -> Path:
    """An adapter saved with its tokenizer (as unsloth and TRL do) carries the template it was trained with."""
    if adapter_dir is not None and (adapter_dir / "tokenizer_config.json").is_file():
        return adapter_dir
    return base_dir


def describe_source(ref: str) -> tuple[bool, str]:
    """Whether `ref` is on this machine, and a short phrase saying where it is."""
    found = cached_path(ref)
    if found is None:
        return False, f"hub {ref} (not downloaded)" if HUB_ID.match(ref) else f"local {ref} (missing)"
    if Path(ref).expanduser().exists():
        return True, f"local {ref}"
    return True, f"hub {ref} (in the local cache)"
