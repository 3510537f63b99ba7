"""From option values to a session (`lorabench.run.session_setup`) and what a judged item does with its
judge (`lorabench.run.judge_items`), without pytest."""

from __future__ import annotations

from pathlib import Path

import pytest

from lorabench.backends.base import ModelSpec
from lorabench.models.registry import DEFAULT_MODEL, Registry
from lorabench.run.judge_items import NO_JUDGE, JudgeError, judge_skip_reason, unjudged_reason
from lorabench.run.judging import JUDGE_ERROR, JUDGED, OVER_BUDGET, JudgeSettings, JudgeVerdict
from lorabench.run.session import BenchmarkSession
from lorabench.run.session_setup import (
    SetupError,
    gpus_per_worker,
    judge_settings,
    resolve_judge,
    resolve_models,
    select_items,
)
from lorabench.run.settings import Settings
from tests.conftest import SMALL_SET


def test_models_default_once_each_and_in_order() -> None:
    registry = Registry.load()
    assert [spec.name for spec in resolve_models(registry, None)] == [DEFAULT_MODEL]
    names = [spec.name for spec in resolve_models(registry, ["oracle-shuffled", "oracle", "oracle-shuffled"])]
    assert names == ["oracle-shuffled", "oracle"]


def test_models_that_would_share_a_report_file_are_refused(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('["qwen:7b"]\nbackend = "oracle"\n[qwen_7b]\nbackend = "oracle"\n')
    registry = Registry.load(mine)
    with pytest.raises(SetupError, match=r"^--model: two models would both be reported as 'qwen_7b'$"):
        resolve_models(registry, ["qwen:7b", "qwen_7b"])
    with pytest.raises(SetupError, match=r"^--model 'gpt-17' is not a known model; known: "):
        resolve_models(registry, ["oracle", "gpt-17"])


def test_the_judge_is_optional_and_named_as_such_when_unknown() -> None:
    registry = Registry.load()
    assert resolve_judge(registry, None) is None
    judge = resolve_judge(registry, "oracle")
    assert judge is not None and judge.name == "oracle"
    with pytest.raises(SetupError, match=r"^--judge 'prometheus-13b' is not a known model"):
        resolve_judge(registry, "prometheus-13b")


def test_judge_limits_refuse_negative_values() -> None:
    assert judge_settings(None, None, 2) == JudgeSettings(max_calls=None, max_tokens=None, retries=2)
    assert judge_settings(0, 0, 0) == JudgeSettings(max_calls=0, max_tokens=0, retries=0)
    for limits, option in (((-1, None, 2), "--judge-max-calls"), ((None, -5, 2), "--judge-max-tokens")):
        with pytest.raises(SetupError, match=rf"^{option} must be 0 or more, not -\d$"):
            judge_settings(*limits)
    with pytest.raises(SetupError, match=r"^--judge-retries must be 0 or more, not -1$"):
        judge_settings(None, None, -1)


def test_each_worker_takes_the_largest_tensor_parallel_size() -> None:
    plain, wide = ModelSpec(name="a", backend="oracle"), ModelSpec(name="b", backend="vllm", options={})
    assert gpus_per_worker([]) == 1 and gpus_per_worker([plain, wide]) == 1
    wide.options["tensor_parallel_size"] = 4
    assert gpus_per_worker([plain, wide]) == 4


def test_selected_items_and_how_many_make_each_report_complete(tmp_path: Path) -> None:
    registry = Registry.load()
    specs = resolve_models(registry, ["oracle", "oracle-shuffled"])
    settings = Settings(cases_dir=tmp_path, cache_dir=tmp_path / "cache", reports_dir=tmp_path / "reports")
    session = BenchmarkSession(settings, specs)
    math, judged = SMALL_SET[0], next(case for case in SMALL_SET if case["category"] == "judge_finetome")
    items = [("oracle", math), ("oracle", judged), ("oracle", None), ("oracle-shuffled", math), (None, None)]
    select_items(session, items)
    assert session.bench("oracle").selected == [math], "no answer is generated for a judged case without a judge"
    assert session.bench("oracle-shuffled").selected == [math]
    assert [session.bench(name).expected_items for name in ("oracle", "oracle-shuffled")] == [3, 1]


def test_a_judged_case_without_a_judge_is_skipped_before_the_model_answers() -> None:
    judged = next(case for case in SMALL_SET if case["category"] == "judge_finetome")
    assert unjudged_reason(judged, has_judge=False) == NO_JUDGE
    assert unjudged_reason(judged, has_judge=True) is None
    assert unjudged_reason(SMALL_SET[0], has_judge=False) is None


def test_a_verdict_past_the_budget_is_a_skip_and_one_without_a_score_an_error_of_the_judge() -> None:
    def budget() -> str:
        return "judge budget exhausted (2 of 2 calls)"

    assert judge_skip_reason(JudgeVerdict("ft-001", JUDGED, score=4), budget) is None
    assert judge_skip_reason(JudgeVerdict("ft-001", OVER_BUDGET), budget) == "judge budget exhausted (2 of 2 calls)"
    unreadable = JudgeVerdict("ft-001", JUDGE_ERROR, replies=["no", "none", "nothing"])
    with pytest.raises(JudgeError, match=r"^judge error: no score in the judge's 3 replies \(see the report\)$"):
        judge_skip_reason(unreadable, budget)
