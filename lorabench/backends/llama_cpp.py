"""llama.cpp backend (llama-cpp-python) for GGUF models, with a GGUF LoRA adapter where given.

The prompt is rendered and tokenized with the model's own Hugging Face tokenizer read from the GGUF
(templated.py), exactly as for the transformers backend, and handed to llama.cpp as token ids: so no
second beginning-of-text token is added, and both backends see the same tokens. Decoding is greedy,
one prompt at a time; llama.cpp keeps the KV of the longest prefix shared with the previous prompt.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lorabench.backends.base import BackendContext, Generation, ModelSpec, Request, library_versions, stream_by_batch
from lorabench.backends.registration import register_backend
from lorabench.backends.templated import TemplatedBackend
from lorabench.models.gguf import packaged_gguf
from lorabench.models.sources import ModelSourceError, file_sha256
from lorabench.run.prompting import Message


@register_backend("llama.cpp", keys={"base", "adapter", "gguf", "chat_template", "n_ctx", "n_threads", "n_gpu_layers"})
class LlamaCppBackend(TemplatedBackend):
    """Registry keys: `base` (a .gguf path) or `gguf` ({package, file, pip}), `adapter` (a GGUF LoRA file),
    `n_ctx` (default 4096), `n_threads` (default: all cores), `n_gpu_layers` (default 0; -1 = all)."""

    default_batch_size = 1

    def __init__(self, spec: ModelSpec, context: BackendContext) -> None:
        super().__init__(spec, context)
        self._llama: Any = None
        self._identity: dict[str, Any] | None = None

    def gguf_path(self) -> Path:
        if "gguf" in self.spec.options:
            source = self.spec.options["gguf"]
            return packaged_gguf(source["package"], source["file"], source["pip"])
        path = Path(self.spec.base or "").expanduser()
        if not path.is_file():
            raise ModelSourceError(f"model {self.spec.name}: base {self.spec.base} is not a GGUF file here")
        return path

    def adapter_path(self) -> Path | None:
        if not self.spec.adapter:
            return None
        path = Path(self.spec.adapter).expanduser()
        if not path.is_file():
            raise ModelSourceError(f"model {self.spec.name}: adapter {self.spec.adapter} is not a GGUF LoRA file here")
        return path

    def identity(self) -> dict[str, Any]:
        if self._identity is None:
            adapter = self.adapter_path()
            self._identity = {
                "backend": self.name,
                "gguf_sha256": file_sha256(self.gguf_path()),
                "adapter_sha256": file_sha256(adapter) if adapter else None,
                "libraries": library_versions("llama_cpp_python"),
                "decoder": "llama.cpp-greedy-1",
            }
        return self._identity

    def availability(self) -> tuple[bool, str]:
        try:
            where = f"GGUF {self.gguf_path().name}"
            self.adapter_path()
        except ModelSourceError as exc:
            return False, str(exc)
        if importlib.util.find_spec("llama_cpp") is None:
            return False, f"{where}; llama-cpp-python is not installed"
        return True, where

    def tokenizer_source(self) -> tuple[Path, dict[str, Any]]:
        gguf = self.gguf_path()
        return gguf.parent, {"gguf_file": gguf.name}

    def _load(self) -> Any:
        if self._llama is None:
            if importlib.util.find_spec("llama_cpp") is None:
                raise ModelSourceError(f"model {self.spec.name}: the llama.cpp backend needs llama-cpp-python")
            from llama_cpp import Llama

            started = time.perf_counter()
            adapter = self.adapter_path()
            options = self.spec.options
            self._llama = Llama(
                model_path=str(self.gguf_path()),
                lora_path=str(adapter) if adapter else None,
                n_ctx=int(options.get("n_ctx", 4096)),
                n_threads=int(options.get("n_threads", os.cpu_count() or 1)),
                n_gpu_layers=int(options.get("n_gpu_layers", 0)),
                seed=0,
                verbose=False,
            )
            self.load_seconds = time.perf_counter() - started
        return self._llama

    def _is_end(self, llama: Any, token: int) -> bool:
        """End of turn: the GGUF's end-of-generation tokens (as llama.cpp's own sampler loop tests them)
        or the end token of the Hugging Face tokenizer that rendered the prompt."""
        import llama_cpp

        if token in (llama.token_eos(), self.tokenizer.eos_token_id):
            return True
        return bool(llama_cpp.llama_vocab_is_eog(llama._model.vocab, token))

    def _check_context(self, llama: Any, needed: int, what: str, remedy: str) -> None:
        if needed > llama.n_ctx():
            raise ModelSourceError(
                f"model {self.spec.name}: {what} needs {needed} tokens of context, n_ctx is {llama.n_ctx()}; {remedy}"
            )

    def _answer(self, llama: Any, request: Request) -> Generation:
        prompt = self.tokenizer(request.prompt, add_special_tokens=False)["input_ids"]
        limit = request.params.max_new_tokens
        case = f"case {request.case['id']}"
        self._check_context(llama, len(prompt) + limit, case, "raise n_ctx in the registry entry")
        started = time.perf_counter()
        tokens: list[int] = []
        reason = "length"
        for token in llama.generate(prompt, temp=0.0, top_k=1, repeat_penalty=1.0, reset=True):
            if self._is_end(llama, token):
                reason = "stop"
                break
            tokens.append(token)
            if len(tokens) >= limit:
                break
        text = self.tokenizer.decode(tokens, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        return Generation(text, len(prompt), len(tokens), time.perf_counter() - started, reason)

    def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
        return stream_by_batch(requests, batch_size, self._answer_batch)

    def _answer_batch(self, batch: list[Request]) -> list[Generation]:
        llama = self._load()
        return [self._answer(llama, request) for request in batch]

    def stream_chat(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
        """The chat's answer as llama.cpp generates it (greedy at temperature 0, as the benchmark decodes)."""
        llama = self._load()
        prompt = self.tokenizer(self.render(messages, None), add_special_tokens=False)["input_ids"]
        self._check_context(
            llama, len(prompt) + max_tokens, "the conversation", "start a new conversation or lower max tokens"
        )
        sampling = {"temp": 0.0, "top_k": 1} if temperature <= 0 else {"temp": temperature}
        tokens: list[int] = []
        shown = ""
        for token in llama.generate(prompt, repeat_penalty=1.0, reset=True, **sampling):
            if self._is_end(llama, token) or len(tokens) >= max_tokens:
                break
            tokens.append(token)
            text = self.tokenizer.decode(tokens, skip_special_tokens=True, clean_up_tokenization_spaces=False)
            if len(text) > len(shown) and not text.endswith("\ufffd"):  # not in the middle of a character
                yield text[len(shown) :]
                shown = text

    def close(self) -> None:
        if self._llama is not None:
            self._llama.close()
        self._llama = None
