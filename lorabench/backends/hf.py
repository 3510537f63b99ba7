"""transformers backend: a base model (hub id, local directory or packaged GGUF), optionally 4-bit and
with a LoRA / rsLoRA adapter (peft), decoded greedily by the refilling batch decoder (its CPU path on CPUs,
batched prefill on CUDA)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lorabench.backends.base import BackendContext, Generation, ModelSpec, Request, library_versions
from lorabench.backends.hf_loading import (
    apply_adapter,
    cuda_available,
    needs_cuda,
    quantization_config,
    require_cuda_for_4bit,
    torch_dtype,
)
from lorabench.backends.hf_model import HfModel
from lorabench.backends.registration import register_backend
from lorabench.backends.templated import TemplatedBackend
from lorabench.decoding.batch_prefill import PREFILL_VERSION
from lorabench.decoding.cpu_attention import register_cpu_attention
from lorabench.decoding.refill import DECODER_VERSION, RefillDecoder, Row
from lorabench.run.prompting import Message

TRANSFORMERS_KEYS = {"base", "adapter", "gguf", "quantization", "dtype", "chat_template", "merge_adapter"}


def hf_identity(backend: str, hf: HfModel, *extra_libraries: str) -> dict[str, Any]:
    """The identity of a transformers-format model as `backend` runs it (the unsloth backend's too)."""
    adapter = hf.adapter_identity()
    libraries = ("torch", "transformers") + (("peft",) if adapter else ()) + extra_libraries
    identity = {
        "backend": backend,
        "weights": hf.weights_identity(),
        "adapter": adapter,
        "quantization": hf.spec.quantization,
        "dtype": hf.spec.dtype,
        "merge_adapter": hf.spec.merge_adapter,
        "libraries": library_versions(*libraries),
        "decoder": DECODER_VERSION,
    }
    if cuda_available():  # prompts are prefilled in batches there (batch_prefill), not on CPU
        identity["prefill"] = PREFILL_VERSION
    return identity


def end_token_ids(model: Any, tokenizer: Any) -> frozenset[int]:
    """End of turn: the model's generation config's end tokens and the tokenizer's."""
    configured = model.generation_config.eos_token_id
    ids = configured if isinstance(configured, list) else [configured]
    return frozenset(i for i in [*ids, tokenizer.eos_token_id] if i is not None)


def stream_with_generate(model: Any, tokenizer: Any, prompt: str, max_tokens: int, temperature: float) -> Iterator[str]:
    """`model.generate` in a thread feeding a text streamer, its pieces yielded as they come; sampling at
    `temperature` (greedy at 0). The chat's path for the transformers and unsloth backends."""
    from threading import Thread

    from transformers import TextIteratorStreamer

    encoded = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600)
    sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
    arguments = dict(
        **encoded.to(model.device),
        max_new_tokens=max_tokens,
        eos_token_id=sorted(end_token_ids(model, tokenizer)),
        pad_token_id=tokenizer.pad_token_id,
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


@register_backend("transformers", keys=TRANSFORMERS_KEYS)
class TransformersBackend(TemplatedBackend):
    """Registry keys: `base` or `gguf`, `adapter`, `quantization`, `dtype`, `merge_adapter`, `chat_template`.

    A packaged GGUF model is converted once to a safetensors copy under the run's cache directory.
    """

    # chosen by timing 48, 64 and 100 rows on SmolLM2's cases: larger batches gained nothing (docs/speed.md)
    default_batch_size = 48
    screen_output = True  # the bf16-screened output layer (greedy_head); perf turns it off to compare

    def __init__(self, spec: ModelSpec, context: BackendContext) -> None:
        super().__init__(spec, context)
        self.hf = HfModel(self, context.cache_dir)
        self._identity: dict[str, Any] | None = None

    def check_runs_here(self) -> None:
        """Raise the one-line reason this entry cannot run on this machine, if there is one."""
        require_cuda_for_4bit(self.spec, None)

    def identity(self) -> dict[str, Any]:
        if self._identity is None:
            self._identity = hf_identity(self.name, self.hf)
        return self._identity

    def availability(self) -> tuple[bool, str]:
        return self.hf.availability()

    def tokenizer_source(self) -> tuple[Path, dict[str, Any]]:
        return self.hf.tokenizer_source()

    def load_model(self) -> Any:
        """Base weights (4-bit on CUDA if asked), then the adapter; eval mode."""
        import torch
        from transformers import AutoModelForCausalLM

        base = self.hf.base_dir()
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
        adapter = self.hf.adapter_dir()
        if adapter is not None:
            model, self.adapter_effect = apply_adapter(model, self.spec, adapter, quantized, self.tokenizer)
        return model.eval()

    def _load(self) -> Any:
        return self.hf.loaded()

    def _end_token_ids(self, model: Any) -> frozenset[int]:
        return end_token_ids(model, self.tokenizer)

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
        """The chat's answer as `model.generate` produces it (stream_with_generate)."""
        prompt = self.render(messages, None)
        yield from stream_with_generate(self._load(), self.tokenizer, prompt, max_tokens, temperature)

    def close(self) -> None:
        self.hf.release()
