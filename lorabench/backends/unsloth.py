"""unsloth backend: `FastLanguageModel` loading and its fast inference mode, CUDA only.

unsloth raises at import on a machine without a GPU, so it is imported only inside `load_model`, after
the CUDA check; `--list-models` reports it unavailable there instead. Decoding is unsloth's patched
`generate` on batches of similar prompts (left padding, greedy), the path unsloth optimises. Finding,
hashing and converting the weights is the transformers backend's (`HfModel`, held here too).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lorabench.backends.base import BackendContext, Generation, ModelSpec, Request, stream_by_batch
from lorabench.backends.hf import end_token_ids, hf_identity, stream_with_generate
from lorabench.backends.hf_loading import apply_adapter, cuda_available, needs_cuda, torch_dtype
from lorabench.backends.hf_model import HfModel
from lorabench.backends.registration import register_backend
from lorabench.backends.templated import TemplatedBackend
from lorabench.models.sources import ModelSourceError
from lorabench.run.prompting import Message

UNSLOTH_KEYS = {"base", "adapter", "quantization", "dtype", "chat_template", "max_seq_length"}


@register_backend("unsloth", keys=UNSLOTH_KEYS)
class UnslothBackend(TemplatedBackend):
    """Registry keys as for transformers (without `gguf` and `merge_adapter`), plus `max_seq_length`
    (default 2048, as in training)."""

    default_batch_size = 32

    def __init__(self, spec: ModelSpec, context: BackendContext) -> None:
        super().__init__(spec, context)
        self.hf = HfModel(self, context.cache_dir)
        self._identity: dict[str, Any] | None = None

    def identity(self) -> dict[str, Any]:
        if self._identity is None:
            self._identity = hf_identity(self.name, self.hf, "unsloth")
        return self._identity

    def availability(self) -> tuple[bool, str]:
        found, where = self.hf.availability()
        if not cuda_available():
            return False, f"{where}; unsloth needs a CUDA GPU"
        if importlib.util.find_spec("unsloth") is None:
            return False, f"{where}; unsloth is not installed (pip install -r requirements-gpu.txt)"
        return found, where

    def check_runs_here(self) -> None:
        if not cuda_available():
            message = f"model {self.spec.name}: the unsloth backend needs a CUDA GPU; this machine has none"
            raise ModelSourceError(message)
        if importlib.util.find_spec("unsloth") is None:
            message = f"model {self.spec.name}: unsloth is not installed: pip install -r requirements-gpu.txt"
            raise ModelSourceError(message)

    def tokenizer_source(self) -> tuple[Path, dict[str, Any]]:
        return self.hf.tokenizer_source()

    def load_model(self) -> Any:
        self.check_runs_here()
        from unsloth import FastLanguageModel

        base = self.hf.base_dir()
        quantized = needs_cuda(self.spec, base)
        model, _ = FastLanguageModel.from_pretrained(
            model_name=str(base),
            max_seq_length=int(self.spec.options.get("max_seq_length", 2048)),
            dtype=torch_dtype(self.spec, "cuda"),
            load_in_4bit=quantized,
        )
        adapter = self.hf.adapter_dir()
        if adapter is not None:
            model, self.adapter_effect = apply_adapter(model, self.spec, adapter, quantized, self.tokenizer)
        FastLanguageModel.for_inference(model)
        return model

    def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
        """Fixed batches (not the refill decoder): unsloth's fast path is its own `generate`."""
        return stream_by_batch(requests, batch_size, self._answer_batch)

    def _answer_batch(self, batch: list[Request]) -> list[Generation]:
        import torch

        model, tokenizer = self.hf.loaded(), self.tokenizer
        end_ids = end_token_ids(model, tokenizer)
        encoded = tokenizer([r.prompt for r in batch], return_tensors="pt", padding=True, add_special_tokens=False)
        started = time.perf_counter()
        with torch.inference_mode():
            output = model.generate(
                **encoded.to(model.device),
                max_new_tokens=max(r.params.max_new_tokens for r in batch),
                do_sample=False,
                eos_token_id=sorted(end_ids),
                pad_token_id=tokenizer.pad_token_id,
            )
        share = (time.perf_counter() - started) / len(batch)
        prompt_width = encoded["input_ids"].shape[1]
        answers = []
        for request, row, mask in zip(batch, output[:, prompt_width:].tolist(), encoded["attention_mask"], strict=True):
            ended = next((i for i, token in enumerate(row) if token in end_ids), None)
            tokens = row[:ended] if ended is not None else row[: request.params.max_new_tokens]
            text = tokenizer.decode(tokens, skip_special_tokens=True, clean_up_tokenization_spaces=False)
            reason = "stop" if ended is not None and ended < request.params.max_new_tokens else "length"
            answers.append(Generation(text, int(mask.sum()), len(tokens), share, reason))
        return answers

    def stream_chat(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
        """The chat's answer as unsloth's patched `generate` produces it (stream_with_generate)."""
        prompt = self.render(messages, None)
        yield from stream_with_generate(self.hf.loaded(), self.tokenizer, prompt, max_tokens, temperature)

    def close(self) -> None:
        self.hf.release()
