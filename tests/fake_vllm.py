"""A stand-in for the `vllm` package, so the vllm backend's logic runs on CPU: an `LLM` that records how it
was built and every `generate` call, and answers deterministically (a few tokens of the prompt, one
token naming the adapter, then the first stop token); `PEFTHelper` scaling as vLLM computes it, or as
engines before it did (alpha/r for every adapter) when `rslora_as_lora` is set."""

from __future__ import annotations

import importlib.machinery
import math
import sys
import types
from dataclasses import dataclass, field
from typing import Any

ADAPTER_TOKEN = 300  # + the LoRARequest's id: each adapter answers differently from the base


@dataclass
class Recorder:
    engines: list[FakeLLM] = field(default_factory=list)
    rslora_as_lora: bool = False
    with_peft_helper: bool = True

    @property
    def calls(self) -> list[dict[str, Any]]:
        return [call for engine in self.engines for call in engine.calls]


RECORDER = Recorder()


class FakeLLM:
    def __init__(self, **arguments: Any) -> None:
        self.arguments = arguments
        self.calls: list[dict[str, Any]] = []
        self.shut_down = False
        self.llm_engine = types.SimpleNamespace(shutdown=self._shutdown)
        RECORDER.engines.append(self)

    def _shutdown(self) -> None:
        self.shut_down = True

    def generate(self, prompts: list[dict], sampling_params: list, lora_request: list, use_tqdm: bool = True) -> list:
        assert not self.shut_down, "generate on an engine that was shut down"
        assert len(prompts) == len(sampling_params) == len(lora_request)
        self.calls.append({"prompts": prompts, "sampling": sampling_params, "loras": lora_request})
        return [self._answer(p, s, lora) for p, s, lora in zip(prompts, sampling_params, lora_request, strict=True)]

    @staticmethod
    def _answer(prompt: dict, params: Any, lora: Any) -> Any:
        ids = prompt["prompt_token_ids"]
        tokens = [*ids[-3:], ADAPTER_TOKEN + (lora.lora_int_id if lora else 0)]
        if len(tokens) < params.max_tokens:
            tokens, reason = [*tokens, params.stop_token_ids[0]], "stop"
        else:
            tokens, reason = tokens[: params.max_tokens], "length"
        return types.SimpleNamespace(outputs=[types.SimpleNamespace(token_ids=tokens, finish_reason=reason)])


class SamplingParams:
    def __init__(self, **settings: Any) -> None:
        self.__dict__.update(settings)


@dataclass
class LoRARequest:
    lora_name: str
    lora_int_id: int
    lora_path: str


@dataclass
class PEFTHelper:
    r: int
    lora_alpha: float
    use_rslora: bool = False
    vllm_lora_scaling_factor: float = 1.0

    def __post_init__(self) -> None:
        rank = math.sqrt(self.r) if self.use_rslora and not RECORDER.rslora_as_lora else self.r
        self.vllm_lora_scaling_factor = self.lora_alpha / rank

    @classmethod
    def from_dict(cls, settings: dict[str, Any]) -> PEFTHelper:
        return cls(settings["r"], settings["lora_alpha"], settings.get("use_rslora", False))


def install(monkeypatch: Any) -> Recorder:
    """Put the fake package into sys.modules (undone by the monkeypatch); a fresh recorder."""
    global RECORDER
    RECORDER = Recorder()
    vllm = types.ModuleType("vllm")
    vllm.__spec__ = importlib.machinery.ModuleSpec("vllm", None, is_package=True)
    vllm.LLM, vllm.SamplingParams = FakeLLM, SamplingParams  # type: ignore[attr-defined]
    lora = types.ModuleType("vllm.lora")
    request = types.ModuleType("vllm.lora.request")
    request.LoRARequest = LoRARequest  # type: ignore[attr-defined]
    helper = types.ModuleType("vllm.lora.peft_helper")
    helper.PEFTHelper = PEFTHelper  # type: ignore[attr-defined]
    modules = {"vllm": vllm, "vllm.lora": lora, "vllm.lora.request": request, "vllm.lora.peft_helper": helper}
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    return RECORDER


def remove_peft_helper(monkeypatch: Any) -> None:
    """An engine from before vLLM read use_rslora: no vllm.lora.peft_helper module."""
    monkeypatch.setitem(sys.modules, "vllm.lora.peft_helper", None)
