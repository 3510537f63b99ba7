"""A model that cannot run or stops answering ends its own generation once, with one line; the run
goes on with the other models (`ModelBench.answer`, `BenchmarkSession.judge_verdicts`)."""

from __future__ import annotations

from lorabench.models.sources import ModelSourceError


class ModelFailure(Exception):
    """A model (or the judge) that cannot run or stopped answering: one line, said once; its items that
    have no answer yet end as errors with that line, and the other models go on."""


MODEL_FAULTS = (ModelSourceError, OSError)  # what a backend raises when its model cannot run here


def failure_line(name: str, exc: BaseException) -> str:
    return str(exc) if str(exc).startswith("model ") else f"model {name}: {exc}"
