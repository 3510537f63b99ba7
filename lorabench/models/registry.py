"""Model names for `--model`: the shipped registry file, a user's file on top, and plain paths.

registry = Registry.load(Path("my-models.toml"))   # shipped entries, then the user's
spec = registry.resolve("rslora")                  # or "path/to/adapter", "model.gguf", "scripted:x.json"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from lorabench.backends.base import Backend, BackendContext
from lorabench.backends.registration import registered_backends
from lorabench.models.adapter_check import read_adapter_config
from lorabench.models.names import derived_name, name_problem
from lorabench.models.spec import ModelSpec, RegistryError, spec_from_table
from lorabench.run.cases import CATEGORIES

DEFAULT_MODEL = "smollm2"
SHIPPED_FILE = Path(__file__).resolve().parent / "models.toml"


class UnknownModelError(ValueError):
    """`--model` names nothing known; the message lists what is."""


def read_registry_file(path: Path) -> dict[str, ModelSpec]:
    """Every entry of one TOML registry file, checked."""
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"--models-file {path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from None
    specs = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise RegistryError(f"{path}: {name!r} must be a table ([{name}]) describing a model")
        unsafe = name_problem(name)
        if unsafe:
            raise RegistryError(f"{path}: model {unsafe}")
        spec = spec_from_table(name, table, str(path), registered_backends())
        unknown = sorted(set(spec.max_new_tokens) - set(CATEGORIES))
        if unknown:
            raise RegistryError(f"{path}: model {name!r}: max_new_tokens names no category: {unknown[0]!r}")
        specs[name] = spec
    return specs


def spec_from_path(ref: str, option: str = "--model") -> ModelSpec | None:
    """An entry for a local model directory, adapter directory or GGUF file given to `--model`."""
    path = Path(ref).expanduser()
    if not path.exists():
        return None
    name = derived_name(path.resolve().stem if path.is_file() else path.resolve().name)
    if path.is_file() and path.suffix == ".gguf":
        return ModelSpec(name=name, backend="llama.cpp", base=str(path), source="path")
    adapter_config = path / "adapter_config.json"
    if adapter_config.is_file():
        base = read_adapter_config(adapter_config).get("base_model_name_or_path")
        if not isinstance(base, str) or not base:
            message = f"{adapter_config}: no base_model_name_or_path; add a registry entry with base="
            raise RegistryError(message)
        return ModelSpec(name=name, backend="transformers", base=base, adapter=str(path), source="path")
    if (path / "config.json").is_file():
        return ModelSpec(name=name, backend="transformers", base=str(path), source="path")
    raise RegistryError(f"{option} {ref}: a directory without config.json or adapter_config.json, or not a .gguf file")


def check_adapter_of(specs: dict[str, ModelSpec]) -> None:
    """Every `adapter_of` names another entry of the loaded registry (shipped and user files together)."""
    for name, spec in specs.items():
        if spec.adapter_of is not None and (spec.adapter_of == name or spec.adapter_of not in specs):
            what = "itself" if spec.adapter_of == name else "no registry entry"
            raise RegistryError(f"{spec.source}: model {name!r}: adapter_of {spec.adapter_of!r} names {what}")


@dataclass
class Registry:
    specs: dict[str, ModelSpec]
    shipped_source: str = str(SHIPPED_FILE)

    @classmethod
    def load(cls, user_file: Path | None = None) -> Registry:
        specs = read_registry_file(SHIPPED_FILE)
        if user_file is not None:
            specs.update(read_registry_file(user_file))
        check_adapter_of(specs)
        return cls(specs)

    def resolve(self, ref: str, option: str = "--model") -> ModelSpec:
        """The spec for a `--model` (or `--judge`, named by `option` in errors) value: a registry name, a
        local path, or `scripted:<script.json>`."""
        if ref.startswith("scripted:"):
            script = Path(ref.removeprefix("scripted:"))
            name = f"scripted-{derived_name(script.stem)}"
            return ModelSpec(name=name, backend="scripted", options={"script": str(script)})
        if ref in self.specs:
            return self.specs[ref]
        from_path = spec_from_path(ref, option)
        if from_path is not None:
            return from_path
        known = ", ".join(sorted(self.specs)) + ", a model/adapter directory, a .gguf file, scripted:<script.json>"
        raise UnknownModelError(f"{option} {ref!r} is not a known model; known: {known}")


def resolve(ref: str) -> ModelSpec:
    """`Registry.load().resolve(ref)`, for scripts that use the shipped registry only."""
    return Registry.load().resolve(ref)


def build_backend(spec: ModelSpec, context: BackendContext) -> Backend:
    """Instantiate the backend registered for `spec.backend`; cheap, loads no weights."""
    return registered_backends()[spec.backend](spec, context)
