"""Adapter entries checked when the run starts, so a missing directory or a broken
`adapter_config.json` is one line naming the file, not a crash while the reports are written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lorabench.models.sources import is_hub_id
from lorabench.models.spec import ModelSpec, RegistryError

NEEDS_BASE = ("transformers", "unsloth")


def read_adapter_config(path: Path) -> dict[str, Any]:
    """The parsed `adapter_config.json`; a RegistryError naming the file (and line:column) otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise RegistryError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise RegistryError(f"{path}: not valid JSON: nested too deeply") from None
    if not isinstance(config, dict):
        raise RegistryError(f"{path}: expected a JSON object, not {type(config).__name__}")
    return config


def adapter_problem(spec: ModelSpec) -> str | None:
    """Why `spec`'s adapter cannot be used, in one line starting with `model <name>:`, or None. Hub ids
    are not fetched here: a missing one is reported when the model loads."""
    where = f"model {spec.name}"
    if spec.backend in NEEDS_BASE and spec.adapter and not spec.base and "gguf" not in spec.options:
        return f"{where} ({spec.source}): an adapter entry needs base = the model the adapter was trained on"
    if not spec.adapter or is_hub_id(spec.adapter):
        return None
    path = Path(spec.adapter).expanduser()
    if not path.exists():
        return f"{where}: adapter {path} does not exist"
    if spec.backend not in NEEDS_BASE:  # llama.cpp adapters are GGUF files
        return None
    config = path / "adapter_config.json"
    if not config.is_file():
        return f"{where}: {config} not found: {path} is not a PEFT adapter directory"
    try:
        read_adapter_config(config)
    except RegistryError as exc:
        return f"{where}: {exc}"
    return None
