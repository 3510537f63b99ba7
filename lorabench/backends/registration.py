"""Backends by registry name: each backend class registers itself with `register_backend`, which also
declares the registry keys its entries may use, so the registry checks a file against what the backend
itself says it reads.

The backend modules are listed in `BACKEND_MODULES` and imported the first time the table is asked for;
they import only light things at module level (torch, transformers, vLLM, llama.cpp and unsloth are
imported inside the methods that load or run a model), so building the table stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from lorabench.backends.base import Backend

# In this order: it is the order in which error messages list the backends.
BACKEND_MODULES = ("hf", "unsloth", "llama_cpp", "openai_http", "oracle", "scripted", "vllm_offline")

REGISTERED: dict[str, type[Backend]] = {}

BackendClass = TypeVar("BackendClass", bound="type[Backend]")


class BackendRegistrationError(ValueError):
    """Two backend classes claim one registry name."""


def register_backend(name: str, keys: Iterable[str] = ()) -> Callable[[BackendClass], BackendClass]:
    """Class decorator: the class serves registry entries with `backend = "<name>"`, which may use `keys`
    besides the keys every entry may have (spec.COMMON_KEYS)."""

    def register(backend_class: BackendClass) -> BackendClass:
        holder = REGISTERED.get(name)
        if holder is not None and _where(holder) != _where(backend_class):
            raise BackendRegistrationError(
                f"backend {name!r} is registered twice: {_where(holder)} and {_where(backend_class)}"
            )
        backend_class.name = name
        backend_class.registry_keys = frozenset(keys)
        REGISTERED[name] = backend_class
        return backend_class

    return register


def _where(backend_class: type) -> str:
    return f"{backend_class.__module__}.{backend_class.__qualname__}"


def registered_backends() -> dict[str, type[Backend]]:
    """Every backend class by registry name, in registration order (shipped backends first)."""
    for module in BACKEND_MODULES:
        importlib.import_module(f"lorabench.backends.{module}")
    return dict(REGISTERED)
