"""From option values to a benchmark session: the models and judge they name, the judge's limits, the
items pytest selected. Bad values raise `SetupError`: one line naming the option, which the plugin and
the command line show as a usage error."""

from __future__ import annotations

from typing import Any

from lorabench.backends.base import ModelSpec
from lorabench.models.adapter_check import adapter_problem
from lorabench.models.names import file_stem
from lorabench.models.registry import DEFAULT_MODEL, Registry, UnknownModelError
from lorabench.models.spec import RegistryError
from lorabench.run.judging import JudgeSettings
from lorabench.run.session import BenchmarkSession

Case = dict[str, Any]


class SetupError(ValueError):
    """A bad option value or registry: one line naming the option or the file."""


def resolve_models(registry: Registry, refs: list[str] | None) -> list[ModelSpec]:
    """The specs of the `--model` values, each once, in order (default: the default model); two models
    whose reports would share a file name are refused."""
    try:
        specs = [registry.resolve(ref) for ref in dict.fromkeys(refs or [DEFAULT_MODEL])]
    except (UnknownModelError, RegistryError) as exc:
        raise SetupError(str(exc)) from None
    stems = [file_stem(spec.name) for spec in specs]
    if len(set(stems)) < len(stems):
        raise SetupError(f"--model: two models would both be reported as {max(stems, key=stems.count)!r}")
    return specs


def resolve_judge(registry: Registry, ref: str | None) -> ModelSpec | None:
    """The `--judge` spec, or None without a judge."""
    try:
        return registry.resolve(ref, option="--judge") if ref else None
    except (UnknownModelError, RegistryError) as exc:
        raise SetupError(str(exc)) from None


def judge_settings(max_calls: int | None, max_tokens: int | None, retries: int) -> JudgeSettings:
    """The judge's budget and re-asks; a negative one would silently mean "none" or "no limit"."""
    values = {"--judge-max-calls": max_calls, "--judge-max-tokens": max_tokens, "--judge-retries": retries}
    for option, value in values.items():
        if value is not None and value < 0:
            raise SetupError(f"{option} must be 0 or more, not {value}")
    return JudgeSettings(max_calls=max_calls, max_tokens=max_tokens, retries=retries)


def gpus_per_worker(specs: list[ModelSpec]) -> int:
    """GPUs each pytest-xdist worker takes: the largest tensor-parallel size among the run's models."""
    return max([int(spec.options.get("tensor_parallel_size", 1)) for spec in specs] + [1])


def stop_broken_adapters(session: BenchmarkSession) -> None:
    """A model whose adapter cannot be used fails before anything runs; the other models still run."""
    for bench in session.benches.values():
        problem = adapter_problem(bench.spec)
        if problem:
            bench.fail(problem)


def select_items(session: BenchmarkSession, items: list[tuple[str | None, Case | None]]) -> None:
    """Tell the session which (model, case) items pytest will run, and how many items make each model's
    report complete (a model's items include those without a case, e.g. an empty category's skip)."""
    session.select([(model, case) for model, case in items if model is not None and case is not None])
    for name in session.model_names:
        session.bench(name).expected_items = sum(1 for model, _ in items if model == name)
