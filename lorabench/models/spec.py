"""A registry entry: which backend serves a model name, from which weights, with which settings.

Entries come from `lorabench/models/models.toml`, from a user's `--models-file`, or from a path given to
`--model`. Every key is checked here (a backend's own keys against those it registered with), so a
typo in a registry file is one line naming the file, the entry and the key, not a surprise at load time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lorabench.backends.base import Backend

QUANTIZATIONS = ("none", "bnb-4bit")
DTYPES = ("auto", "float32", "bfloat16", "float16")

# Keys every entry may have; a backend declares its own keys when it registers (lorabench.backends.registration).
COMMON_KEYS = {"backend", "description", "batch_size", "max_new_tokens", "adapter_of"}
TYPED_KEYS = {"base", "adapter", "quantization", "dtype", "chat_template", "merge_adapter", "adapter_of"}


class RegistryError(ValueError):
    """A registry entry that cannot be used; the message names the file, the entry and the key."""


@dataclass
class ModelSpec:
    """One model as the harness knows it. `base`/`adapter`: a hub id or a local path (a GGUF file for
    llama.cpp). `options`: the backend's own keys (e.g. `gguf`, `url`). `source`: where it was defined.
    `adapter_of`: the entry of this model's base, for comparisons where weights cannot be hashed (a server)."""

    name: str
    backend: str
    description: str = ""
    base: str | None = None
    adapter: str | None = None
    quantization: str = "none"
    dtype: str = "auto"
    chat_template: str | None = None
    merge_adapter: bool = False
    batch_size: int | None = None
    max_new_tokens: dict[str, int] = field(default_factory=dict)
    adapter_of: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    source: str = "built in"

    def public(self) -> dict[str, Any]:
        """What reports show of the entry (no secrets live in it: API keys are read from the environment)."""
        fields = {
            "backend": self.backend,
            "base": self.base,
            "adapter": self.adapter,
            "quantization": self.quantization,
            "dtype": self.dtype,
            "chat_template": self.chat_template,
            "merge_adapter": self.merge_adapter,
            "adapter_of": self.adapter_of,
            "source": self.source,
        }
        return {key: value for key, value in fields.items() if value not in (None, False)} | self.options


def expect_type(value: Any, kind: type | tuple[type, ...], where: str, key: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise RegistryError(f"{where}: {key} must be a {names}, not {value!r}")
    return value


def spec_from_table(name: str, table: dict[str, Any], source: str, backends: Mapping[str, type[Backend]]) -> ModelSpec:
    """Build and check one entry of a registry file; `backends`: the registered backend classes by name,
    which say which keys they accept."""
    where = f"{source}: model {name!r}"
    backend = table.get("backend")
    if backend is None:
        raise RegistryError(f'{where}: no backend key (a name with a dot must be quoted: ["llama-3.2-3b"])')
    if backend not in backends:
        raise RegistryError(f"{where}: backend must be one of {', '.join(backends)}, not {backend!r}")
    allowed = COMMON_KEYS | backends[backend].registry_keys
    unknown = sorted(set(table) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise RegistryError(f"{where}: unknown key {unknown[0]!r} for backend {backend} (known: {known})")
    for key in ("description", "base", "adapter", "chat_template", "adapter_of"):
        if key in table:
            expect_type(table[key], str, where, key)
    quantization = table.get("quantization", "none")
    if quantization not in QUANTIZATIONS:
        raise RegistryError(f"{where}: quantization must be one of {', '.join(QUANTIZATIONS)}, not {quantization!r}")
    dtype = table.get("dtype", "auto")
    if dtype not in DTYPES:
        raise RegistryError(f"{where}: dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    batch_size = table.get("batch_size")
    if batch_size is not None and expect_type(batch_size, int, where, "batch_size") < 1:
        raise RegistryError(f"{where}: batch_size must be at least 1")
    backends[backend].check_registry_entry(table, where)
    max_new_tokens = expect_type(table.get("max_new_tokens", {}), dict, where, "max_new_tokens")
    for category, limit in max_new_tokens.items():
        expect_type(limit, int, where, f"max_new_tokens.{category}")
    return ModelSpec(
        name=name,
        backend=backend,
        description=table.get("description", ""),
        base=table.get("base"),
        adapter=table.get("adapter"),
        quantization=quantization,
        dtype=dtype,
        chat_template=table.get("chat_template"),
        merge_adapter=expect_type(table.get("merge_adapter", False), bool, where, "merge_adapter"),
        batch_size=batch_size,
        max_new_tokens=dict(max_new_tokens),
        adapter_of=table.get("adapter_of"),
        options={key: value for key, value in table.items() if key not in COMMON_KEYS | TYPED_KEYS},
        source=source,
    )
