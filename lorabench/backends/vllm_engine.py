"""One in-process vLLM engine (`vllm.LLM`) shared by every registry entry of a run on the same base.

The base is loaded once with `enable_lora`; each adapter is a `LoRARequest`, and the prompts of all the
models go to the engine in one `generate` call, so the base and its adapters are answered in the same
batches. vLLM is imported only when an engine is loaded (it is large and CUDA-bound).

rsLoRA: vLLM reads an adapter's `adapter_config.json` through `vllm.lora.peft_helper.PEFTHelper`, whose
`vllm_lora_scaling_factor` is alpha/sqrt(r) when `use_rslora` is set (alpha/r otherwise). Engines older
than that helper applied alpha/r to every adapter. Before loading, every adapter's factor as the
installed vLLM computes it is compared with the one peft applies; a difference stops the run.
"""

from __future__ import annotations

import gc
import importlib.metadata
import importlib.util
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lorabench.models.sources import ModelSourceError
from lorabench.models.spec import ModelSpec

# vLLM allocates LoRA slots for one of these ranks (LoRAConfig's possible max ranks).
VLLM_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)
# Keys that change the engine itself: entries differing in one of them cannot share it.
ENGINE_KEYS = ("tensor_parallel_size", "gpu_memory_utilization", "max_model_len")
INSTALL = "pip install -r requirements-vllm.txt, on a CUDA machine (make setup-gpu)"


class VllmSetupError(ModelSourceError):
    """An entry the installed vLLM cannot serve as asked; the message names the entry."""


def installed_version(package: str) -> str:
    """From the package's metadata: cheap, imports nothing (importing vLLM takes seconds)."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def require_vllm(model: str) -> None:
    if importlib.util.find_spec("vllm") is None:
        raise VllmSetupError(f"model {model}: the vllm backend needs vLLM, which is not installed: {INSTALL}")


def engine_key(spec: ModelSpec) -> str:
    """Entries with equal keys share one engine: same base weights, quantization, dtype, engine options."""
    fields = [spec.base, spec.quantization, spec.dtype] + [spec.options.get(key) for key in ENGINE_KEYS]
    return json.dumps(fields)


def adapter_settings(adapter_dir: Path) -> dict[str, Any]:
    return json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))


def peft_scaling(settings: dict[str, Any]) -> float:
    """The factor peft multiplies B·A by: alpha/sqrt(r) for rsLoRA, alpha/r otherwise."""
    rank, alpha = settings["r"], settings["lora_alpha"]
    return alpha / math.sqrt(rank) if settings.get("use_rslora") else alpha / rank


def vllm_scaling(settings: dict[str, Any], model: str) -> float:
    """The factor the installed vLLM will apply to this adapter, computed by vLLM's own config reader."""
    try:
        from vllm.lora.peft_helper import PEFTHelper
    except ImportError:
        raise VllmSetupError(
            f"model {model}: this vLLM has no vllm.lora.peft_helper, so it would scale rsLoRA adapters by "
            "alpha/r instead of alpha/sqrt(r); install vLLM 0.7 or newer"
        ) from None
    return float(PEFTHelper.from_dict(dict(settings)).vllm_lora_scaling_factor)


def check_scaling(settings: dict[str, Any], model: str) -> None:
    expected, applied = peft_scaling(settings), vllm_scaling(settings, model)
    if not math.isclose(expected, applied, rel_tol=1e-6):
        kind = "alpha/sqrt(r)" if settings.get("use_rslora") else "alpha/r"
        raise VllmSetupError(
            f"model {model}: vLLM would scale this adapter by {applied:g}, not {kind} = {expected:g} as peft "
            f"does (r={settings['r']}, lora_alpha={settings['lora_alpha']}, use_rslora="
            f"{bool(settings.get('use_rslora'))}); its answers would not be the adapter's"
        )


def lora_rank_slot(ranks: list[int], spec: ModelSpec) -> int:
    """The engine's max_lora_rank: the entry's `max_lora_rank` if set, else the smallest slot that fits."""
    largest = max(ranks)
    chosen = spec.options.get("max_lora_rank")
    if chosen is not None:
        if chosen not in VLLM_LORA_RANKS:
            raise VllmSetupError(f"model {spec.name}: max_lora_rank must be one of {VLLM_LORA_RANKS}, not {chosen}")
        if chosen < largest:
            raise VllmSetupError(
                f"model {spec.name}: an adapter on this base has rank {largest}, over max_lora_rank {chosen}"
            )
        return chosen
    fitting = [slot for slot in VLLM_LORA_RANKS if slot >= largest]
    if not fitting:
        raise VllmSetupError(f"model {spec.name}: adapter rank {largest} is over vLLM's largest, {VLLM_LORA_RANKS[-1]}")
    return fitting[0]


@dataclass
class Member:
    """A registry entry served by the engine: its adapter directory (None: the base itself)."""

    spec: ModelSpec
    adapter_dir: Path | None


@dataclass
class SharedEngine:
    """The engine of one base for this run, and which adapter each member model uses."""

    key: str
    base_dir: Path
    members: dict[str, Member] = field(default_factory=dict)
    llm: Any = None
    loads: int = 0  # how often the weights were loaded (a released engine reloads on demand)

    def join(self, spec: ModelSpec, adapter_dir: Callable[[], Path | None]) -> None:
        if spec.name not in self.members:
            self.members[spec.name] = Member(spec, adapter_dir())

    def adapters(self) -> list[Member]:
        return [member for member in self.members.values() if member.adapter_dir is not None]

    def engine_arguments(self, lead: ModelSpec) -> dict[str, Any]:
        """`vllm.LLM(**arguments)`: the base, 4-bit if asked, LoRA slots for every member's adapter."""
        arguments: dict[str, Any] = {
            "model": str(self.base_dir),
            "dtype": "bfloat16" if lead.dtype == "auto" else lead.dtype,
            "skip_tokenizer_init": True,  # prompts are token ids; answers are decoded by lorabench's tokenizer
            "seed": 0,
            "trust_remote_code": False,
        }
        if lead.quantization == "bnb-4bit":
            arguments["quantization"] = "bitsandbytes"
        arguments |= {key: lead.options[key] for key in ENGINE_KEYS if key in lead.options}
        adapters = self.adapters()
        if adapters:
            settings = {m.spec.name: adapter_settings(m.adapter_dir) for m in adapters if m.adapter_dir}
            for name, adapter in settings.items():
                check_scaling(adapter, name)
            slot = lora_rank_slot([adapter["r"] for adapter in settings.values()], lead)
            arguments |= {"enable_lora": True, "max_loras": len(adapters), "max_lora_rank": slot}
        return arguments

    def load(self, lead: ModelSpec) -> Any:
        if self.llm is None:
            require_vllm(lead.name)
            arguments = self.engine_arguments(lead)
            from vllm import LLM

            self.llm = LLM(**arguments)
            self.loads += 1
        return self.llm

    def lora_request(self, model: str) -> Any:
        """The member's `LoRARequest` (ids fixed by join order, so they are stable within a run), or None."""
        member = self.members[model]
        if member.adapter_dir is None:
            return None
        from vllm.lora.request import LoRARequest

        number = [m.spec.name for m in self.adapters()].index(model) + 1
        return LoRARequest(model, number, str(member.adapter_dir))

    def close(self) -> None:
        """Shut the engine down and hand its GPU memory back; a later request loads it again."""
        if self.llm is None:
            return
        shutdown = getattr(getattr(self.llm, "llm_engine", None), "shutdown", None)
        if callable(shutdown):
            shutdown()
        self.llm = None
        gc.collect()
        if importlib.util.find_spec("torch") is not None:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
