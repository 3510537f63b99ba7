"""`make gpu-check` / `python -m lorabench gpu-check`: the GPU path checked end to end, offline, in minutes.

A random-weight model with Llama-3.2-3B's shape, a LoRA and an rsLoRA adapter (and the rsLoRA twins,
gpu_check_models) answer all 200 shipped cases on every engine installed here: transformers + peft in
bfloat16 and in NF4 (bitsandbytes), unsloth, and vLLM with the base and all adapters in one pass. For
each engine it prints the load time, tokens per second and peak GPU memory (device-wide, sampled, so
vLLM's engine process counts too), then the share of identical greedy answers between engines per
model; it exits 1 if an adapter had no effect or rsLoRA is scaled otherwise than alpha/sqrt(r) on some
engine (gpu_check_verdict), 2 if there is no CUDA GPU. An engine not installed is one "skipped" line.

`--device cpu --shape tiny` runs the same steps on a tiny model on CPU, `--shape small` on a small one on
the GPU (the harness's own tests).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from lorabench.cli.parser import CommandParser
from lorabench.gpu_check.verdict import EngineResult, agreement_lines, engine_lines, failures

ENGINES: dict[str, dict[str, Any]] = {
    "transformers-bf16": {"backend": "transformers", "dtype": "bfloat16"},
    "transformers-nf4": {"backend": "transformers", "quantization": "bnb-4bit", "needs": "bitsandbytes"},
    "unsloth-bf16": {"backend": "unsloth", "dtype": "bfloat16", "needs": "unsloth"},
    "vllm-bf16": {
        "backend": "vllm",
        "dtype": "bfloat16",
        "needs": "vllm",
        "options": {"gpu_memory_utilization": 0.6, "max_model_len": 8192},
    },
    "transformers-fp32": {"backend": "transformers", "dtype": "float32"},  # the CPU run of the tests
}
GPU_ENGINES = ["transformers-bf16", "transformers-nf4", "unsloth-bf16", "vllm-bf16"]
NO_CUDA = "gpu-check: no CUDA GPU here (torch.cuda.is_available() is False); run it on a machine with an NVIDIA GPU"


def cuda_ready() -> bool:
    from lorabench.backends.hf_loading import cuda_available

    return cuda_available()


class MemoryPeak:
    """The most GPU memory in use on the device (all processes) while the block runs, above what was in
    use before it, sampled every 0.1 s."""

    def __init__(self, device: str) -> None:
        self.enabled, self.peak, self._stop = device == "cuda", 0, threading.Event()

    def _used(self) -> int:
        import torch

        free, total = torch.cuda.mem_get_info()
        return total - free

    def __enter__(self) -> MemoryPeak:
        if self.enabled:
            self.before = self._used()
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, self._used() - self.before)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join()

    @property
    def gib(self) -> float | None:
        return self.peak / 2**30 if self.enabled else None


def model_specs(engine: str, base: Path, adapters: dict[str, Path], limit: int) -> list[Any]:
    from lorabench.models.spec import ModelSpec
    from lorabench.run.cases import CATEGORIES

    settings = ENGINES[engine]
    models: dict[str, Path | None] = {"base": None, **adapters}
    return [
        ModelSpec(
            name=model,
            backend=settings["backend"],
            base=str(base),
            adapter=str(adapter) if adapter else None,
            quantization=settings.get("quantization", "none"),
            dtype=settings.get("dtype", "auto"),
            max_new_tokens=dict.fromkeys(CATEGORIES, limit),
            options=dict(settings.get("options", {})),
            source="gpu-check",
        )
        for model, adapter in models.items()
    ]


def run_engine(
    engine: str, base: Path, adapters: dict[str, Path], cases: dict[str, list], limit: int, device: str
) -> EngineResult:
    """Every model's greedy answers on one engine (vLLM: all models in one pass), with its costs."""
    from lorabench.backends.base import BackendContext
    from lorabench.models.registry import build_backend
    from lorabench.models.sources import ModelSourceError
    from lorabench.run.generation import ModelRun
    from lorabench.run.joint_generation import generate_together, shares_engine

    needs = ENGINES[engine].get("needs")
    if needs and importlib.util.find_spec(needs) is None:
        return EngineResult(engine, skipped=f"{needs} is not installed")
    specs = model_specs(engine, base, adapters, limit)
    every_case = [case for category in cases.values() for case in category]
    context = BackendContext(base.parent / "cache", cases, specs, {})
    runs = [
        ModelRun(build_backend(spec, context), None, every_case, None, False, spec.max_new_tokens) for spec in specs
    ]
    result = EngineResult(engine)
    with MemoryPeak(device) as memory:
        try:
            if shares_engine(specs[0]):
                generate_together(runs, show_progress=False)
            for run in runs:
                run.generate_all()  # a no-op after the joint pass
        except ModelSourceError as exc:  # e.g. the load-time check refusing an adapter that changes nothing
            result.failed = str(exc)
            return result
        finally:
            for run in runs:
                run.backend.close()
    result.peak_memory_gib = memory.gib
    for run in runs:
        result.answers[run.backend.spec.name] = {case_id: answer.text for case_id, answer in run.answers.items()}
        result.load_seconds += run.backend.load_seconds or 0.0
        result.generation_seconds += run.spent.seconds
        result.completion_tokens += sum(answer.completion_tokens for answer in run.answers.values())
    return result


def run_check(arguments: argparse.Namespace, workdir: Path) -> list[EngineResult]:
    from lorabench.gpu_check.models import LLAMA_3_2_3B, SMALL, TINY, build_adapters, build_base
    from lorabench.run.cases import CASES_DIR, load_cases

    started = time.perf_counter()
    shape = {"tiny": TINY, "small": SMALL}.get(arguments.shape, LLAMA_3_2_3B)
    base = build_base(workdir / "base", shape, arguments.device)
    adapters = build_adapters(base, workdir, arguments.device)
    print(f"gpu-check: model and adapters built in {time.perf_counter() - started:.1f} s", flush=True)
    cases = load_cases(Path(arguments.cases_dir) if arguments.cases_dir else CASES_DIR)
    results = []
    for engine in arguments.engines:
        if time.perf_counter() - started > arguments.budget_s:
            results.append(EngineResult(engine, skipped=f"over the {arguments.budget_s} s budget"))
        else:
            results.append(run_engine(engine, base, adapters, cases, arguments.max_new_tokens, arguments.device))
        print(engine_lines(results[-1:])[0], flush=True)
    return results


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = CommandParser(prog="python -m lorabench gpu-check", description=__doc__.splitlines()[0])
    parser.add_argument("--engines", type=lambda text: text.split(","), default=GPU_ENGINES)
    parser.add_argument("--max-new-tokens", type=int, default=32, help="per answer (default 32: minutes, not hours)")
    parser.add_argument("--budget-s", type=float, default=420.0, help="engines starting later are skipped")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--shape", choices=["llama-3.2-3b", "small", "tiny"], default="llama-3.2-3b")
    parser.add_argument("--cases-dir", help="default: the shipped cases (200)")
    parser.add_argument("--workdir", help="where the model is written (default: a temporary directory, removed)")
    arguments = parser.parse_args(argv)
    unknown = sorted(set(arguments.engines) - set(ENGINES))
    if unknown:
        parser.error(f"--engines: unknown engine {unknown[0]!r}; known: {', '.join(ENGINES)}")
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = parse(argv)
    if arguments.device == "cuda" and not cuda_ready():
        print(NO_CUDA, file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # everything is local: never wait on the network
    if "unsloth-bf16" in arguments.engines and importlib.util.find_spec("unsloth") is not None:
        import unsloth  # noqa: F401  - patches transformers only if imported before it, as in real use
    workdir = Path(arguments.workdir or tempfile.mkdtemp(prefix="lorabench-gpu-check-"))
    started = time.perf_counter()
    try:
        results = run_check(arguments, workdir)
    finally:
        if arguments.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    for line in agreement_lines(results):
        print(line)
    broken = failures(results)
    for line in broken:
        print(f"gpu-check: FAILED: {line}")
    elapsed = time.perf_counter() - started
    print(f"gpu-check: {'failed' if broken else 'passed'} in {elapsed:.0f} s", flush=True)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
