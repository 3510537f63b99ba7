"""vllm backend: vLLM's offline engine in this process, one engine per base for the whole run.

Prompts are lorabench's rendered prompts as token ids (the tokens every other backend sees), decoded
greedily (temperature 0) up to the category's limit, stopping at the end of turn. Entries on the same
base share one engine (vllm_engine.SharedEngine): `generate_together` sends the prompts of several of
them in one submission, each adapter's prompts with its own `LoRARequest`.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lorabench.backends.base import BackendContext, Generation, ModelSpec, Request
from lorabench.backends.hf_loading import describe_source, tokenizer_dir
from lorabench.backends.registration import register_backend
from lorabench.backends.templated import TemplatedBackend
from lorabench.backends.vllm_engine import INSTALL, SharedEngine, engine_key, installed_version
from lorabench.models.sources import directory_identity, locate
from lorabench.models.spec import RegistryError, expect_type

ENGINE_VERSION = "vllm-offline-1"  # how prompts are submitted and answers read back; part of the identity
SUBMISSION_SIZE = 4096  # prompts per `generate` call: an interruption loses at most one submission's answers
# vLLM engine settings: key -> (type, smallest allowed value).
VLLM_ENGINE_KEYS: dict[str, tuple[type, float]] = {
    "tensor_parallel_size": (int, 1),
    "max_model_len": (int, 1),
    "max_lora_rank": (int, 1),
    "gpu_memory_utilization": (float, 0.01),
}


def adapter_of(spec: ModelSpec) -> Path | None:
    return locate(spec.adapter, spec.name, "adapter") if spec.adapter else None


@register_backend("vllm", keys={"base", "adapter", "quantization", "dtype", "chat_template", *VLLM_ENGINE_KEYS})
class VllmBackend(TemplatedBackend):
    """Registry keys: `base`, `adapter`, `quantization`, `dtype`, `chat_template`, `tensor_parallel_size`,
    `gpu_memory_utilization`, `max_model_len`, `max_lora_rank`."""

    default_batch_size = SUBMISSION_SIZE

    @classmethod
    def check_registry_entry(cls, table: dict[str, Any], where: str) -> None:
        for key, (kind, least) in VLLM_ENGINE_KEYS.items():
            if key in table and expect_type(table[key], kind, where, key) < least:
                raise RegistryError(f"{where}: {key} must be at least {least}")
        if table.get("gpu_memory_utilization", 0) > 1:
            raise RegistryError(f"{where}: gpu_memory_utilization is a share of the GPU's memory, at most 1")

    def __init__(self, spec: ModelSpec, context: BackendContext) -> None:
        super().__init__(spec, context)
        if spec.base is None:
            raise ValueError(f"model {spec.name}: a vllm entry needs base")
        self._base_dir: Path | None = None
        self._adapter_dir: Path | None = None
        self._identity: dict[str, Any] | None = None
        self._end_ids: list[int] | None = None

    # -- weights ---------------------------------------------------------------------------------
    def base_dir(self) -> Path:
        if self._base_dir is None:
            self._base_dir = locate(self.spec.base or "", self.spec.name, "base")
        return self._base_dir

    def adapter_dir(self) -> Path | None:
        if self.spec.adapter and self._adapter_dir is None:
            self._adapter_dir = locate(self.spec.adapter, self.spec.name, "adapter")
        return self._adapter_dir

    def tokenizer_source(self) -> tuple[Path, dict[str, Any]]:
        return tokenizer_dir(self.base_dir(), self.adapter_dir()), {}

    def identity(self) -> dict[str, Any]:
        if self._identity is None:
            adapter = self.adapter_dir()
            self._identity = {
                "backend": self.name,
                "weights": directory_identity(self.base_dir()),
                "adapter": directory_identity(adapter) if adapter else None,
                "quantization": self.spec.quantization,
                "dtype": self.spec.dtype,
                "tensor_parallel_size": self.spec.options.get("tensor_parallel_size", 1),
                "libraries": {name: installed_version(name) for name in ("vllm", "torch", "transformers")},
                "engine": ENGINE_VERSION,
            }
        return self._identity

    def availability(self) -> tuple[bool, str]:
        found, where = describe_source(self.spec.base or "")
        if self.spec.adapter:
            adapter_found, adapter_where = describe_source(self.spec.adapter)
            found, where = found and adapter_found, f"{where} + adapter {adapter_where}"
        if importlib.util.find_spec("vllm") is None:
            return False, f"{where}; vLLM is not installed ({INSTALL})"
        return found, where

    # -- the shared engine -----------------------------------------------------------------------
    def engine(self) -> SharedEngine:
        """This base's engine for the run, with every entry of the run on the same base as a member."""
        key = engine_key(self.spec)
        engine = self.context.engines.get(key)
        if engine is None:
            engine = self.context.engines[key] = SharedEngine(key, self.base_dir())
        engine.join(self.spec, self.adapter_dir)
        for peer in self.context.peers:
            if peer.backend == self.name and engine_key(peer) == key:
                engine.join(peer, lambda peer=peer: adapter_of(peer))
        return engine

    def end_token_ids(self) -> list[int]:
        """End of turn: the tokenizer's end token and the base's generation config's."""
        if self._end_ids is None:
            ids = {self.tokenizer.eos_token_id}
            config = self.base_dir() / "generation_config.json"
            if config.is_file():
                configured = json.loads(config.read_text(encoding="utf-8")).get("eos_token_id")
                ids.update(configured if isinstance(configured, list) else [configured])
            self._end_ids = sorted(i for i in ids if i is not None)
        return self._end_ids

    def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
        for _, request, generation in self.generate_together([(self, requests)]):
            yield request, generation

    def generate_together(
        self, parts: list[tuple[VllmBackend, list[Request]]]
    ) -> Iterator[tuple[VllmBackend, Request, Generation]]:
        """Answers for the requests of several models on this engine, submitted together; each answer is
        yielded with its model's backend once its submission has finished."""
        engine = self.engine()
        started = time.perf_counter()
        llm = engine.load(self.spec)
        self.load_seconds = (self.load_seconds or 0.0) + time.perf_counter() - started
        work = [(backend, request) for backend, requests in parts for request in requests]
        for start in range(0, len(work), SUBMISSION_SIZE):
            yield from self._submit(llm, engine, work[start : start + SUBMISSION_SIZE])

    def _submit(
        self, llm: Any, engine: SharedEngine, work: list[tuple[VllmBackend, Request]]
    ) -> Iterator[tuple[VllmBackend, Request, Generation]]:
        from vllm import SamplingParams

        prompts, sampling, loras = [], [], []
        for backend, request in work:
            ids = backend.tokenizer(request.prompt, add_special_tokens=False)["input_ids"]
            prompts.append({"prompt_token_ids": ids})
            stops = backend.end_token_ids()
            limit = request.params.max_new_tokens
            sampling.append(SamplingParams(temperature=0.0, max_tokens=limit, stop_token_ids=stops, detokenize=False))
            loras.append(engine.lora_request(backend.spec.name))
        started = time.perf_counter()
        outputs = llm.generate(prompts, sampling_params=sampling, lora_request=loras, use_tqdm=False)
        share = (time.perf_counter() - started) / max(len(work), 1)
        for (backend, request), prompt, output in zip(work, prompts, outputs, strict=True):
            yield backend, request, backend.answer_from(output.outputs[0], len(prompt["prompt_token_ids"]), share)

    def answer_from(self, completion: Any, prompt_tokens: int, seconds: float) -> Generation:
        """A `Generation` from vLLM's completion: the end-of-turn token dropped, text decoded here."""
        tokens = list(completion.token_ids)
        ends = set(self.end_token_ids())
        stopped = bool(tokens) and tokens[-1] in ends
        tokens = tokens[:-1] if stopped else tokens
        text = self.tokenizer.decode(tokens, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        reason = "stop" if stopped or completion.finish_reason == "stop" else "length"
        return Generation(text, prompt_tokens, len(tokens), seconds, reason)

    def close(self) -> None:
        """Release the shared engine (all members' answers are in by then; a later need reloads it)."""
        engine = self.context.engines.get(engine_key(self.spec))
        if engine is not None:
            engine.close()
