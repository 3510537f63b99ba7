"""Models of one run that share an engine (vLLM: a base and its adapters) are generated in one pass.

The first of them that needs an answer generates the missing answers of all of them: each model's
cache is read first exactly as on its own (same identities, same keys), the remaining prompts of every
model go to the engine together, and each answer is stored in its own model's cache the moment the
engine hands it back (`CachedRequests.store`, as in the one cache loop).
"""

from __future__ import annotations

from collections.abc import Iterable

from lorabench.backends.base import ModelSpec
from lorabench.run.cached_generation import CachedRequests, ProgressBar
from lorabench.run.generation import ModelRun


def shares_engine(spec: ModelSpec) -> bool:
    return spec.backend == "vllm"


def engine_groups(specs: Iterable[ModelSpec]) -> dict[str, str]:
    """`{model: first model on its engine}` for the models that share an engine with another."""
    from lorabench.backends.vllm_engine import engine_key

    groups: dict[str, list[str]] = {}
    for spec in specs:
        if shares_engine(spec):
            groups.setdefault(engine_key(spec), []).append(spec.name)
    return {name: names[0] for names in groups.values() if len(names) > 1 for name in names}


def generate_together(runs: list[ModelRun], show_progress: bool = True) -> None:
    """Every run's missing answers through the first run's engine, in one submission."""
    splits = [(run, run.split_by_cache()) for run in runs]
    parts = [(run, split) for run, split in splits if split.waiting]
    if not parts:
        return
    owners: dict[int, tuple[ModelRun, CachedRequests]] = {id(run.backend): (run, split) for run, split in parts}
    work = [(run.backend, split.to_generate()) for run, split in parts]
    names = "+".join(run.backend.spec.name for run, _ in parts)
    total = sum(len(requests) for _, requests in work)
    bar = ProgressBar(f"generating {names}", total) if show_progress else None
    lead = parts[0][0].backend
    try:
        for backend, request, raw in lead.generate_together(work):  # type: ignore[attr-defined]
            run, split = owners[id(backend)]
            generation, same_prompt = split.store(request, raw)
            for each in same_prompt:
                run.answers[each.case["id"]] = generation
            run.spent.seconds += generation.seconds  # its answers' shares of the submissions' time
            if bar is not None:
                bar.advance(generation)
    finally:
        if bar is not None:
            bar.close()
        for run, _ in parts:  # answered by the shared engine: loaded, its load time reported by the lead model
            if run.backend.load_seconds is None and lead.load_seconds is not None:
                run.backend.load_seconds = 0.0
