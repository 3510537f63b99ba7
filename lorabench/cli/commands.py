"""The commands that print and exit instead of benchmarking: `list-models` and `judge-check`. The pytest
options `--list-models` and `--judge-check` run these same functions.

Bad option values raise `SetupError` (one line); a judge that cannot run raises what its backend raised
(`MODEL_FAULTS`), for the caller to show in its own words.
"""

from __future__ import annotations

from pathlib import Path

from lorabench.models.listing import model_table
from lorabench.models.registry import Registry
from lorabench.models.spec import RegistryError
from lorabench.run.cases import CaseError
from lorabench.run.judging import JudgeSettings
from lorabench.run.session_setup import SetupError, resolve_judge
from lorabench.run.settings import Settings


def load_registry(models_file: Path | None) -> Registry:
    """The shipped registry with `--models-file` (an absolute path) over it."""
    try:
        return Registry.load(models_file)
    except RegistryError as exc:
        raise SetupError(str(exc)) from None


def list_models(models_file: Path | None, cache_dir: Path) -> list[str]:
    """Every registry entry, where its weights come from and whether it runs here; loads nothing."""
    return model_table(load_registry(models_file), cache_dir)


def judge_check(
    judge: str | None, models_file: Path | None, settings: Settings, judge_limits: JudgeSettings
) -> list[str]:
    """Grade reference, empty and off-topic answers with the judge; its scores and agreement, as lines."""
    from lorabench.run.judge_check import run_judge_check

    registry = load_registry(models_file)
    judge_spec = resolve_judge(registry, judge)
    if judge_spec is None:
        raise SetupError("--judge-check needs --judge NAME: the judge to check")
    try:
        return run_judge_check(settings, judge_spec, judge_limits)
    except CaseError as exc:
        raise SetupError(str(exc)) from None
