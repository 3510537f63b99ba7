"""How a case item ends up in the reports (`lorabench.reports.outcomes`), branch by branch, without pytest:
the plugin only gathers the facts of each phase."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.graders import grade_numeric
from lorabench.backends.base import Generation, GenerationParams, Request
from lorabench.reports.outcomes import PhaseFacts, phase_result
from lorabench.reports.records import ModelAnswer
from lorabench.run.judge_items import JudgeError
from lorabench.run.model_failure import ModelFailure

CASE: dict[str, Any] = {"id": "math-001", "category": "math", "prompt": "What is 6 times 7?", "answer": 42}
TEST_ID = "benchmarks/test_math.py::test_math[demo-math-001]"


def _answer(text: str, graded: bool = True) -> ModelAnswer:
    request = Request(CASE, [], None, "What is 6 times 7?", GenerationParams(max_new_tokens=32))
    answer = ModelAnswer(CASE, request, Generation(text, 7, 3, 0.5, "stop"))
    if graded:
        answer.check(grade_numeric)
    return answer


def _result(facts: PhaseFacts, answer: ModelAnswer | None = None) -> tuple[str, str, str | None, dict[str, Any]]:
    result = phase_result(facts, CASE, "demo", answer, TEST_ID)
    assert result is not None
    assert (result.record["outcome"], result.record["id"], result.record["test_id"]) == (
        result.outcome,
        "math-001",
        TEST_ID,
    )
    return result.outcome, result.note, result.terminal_text, result.record


@pytest.mark.parametrize("when", ["setup", "call"])
def test_a_skip_keeps_its_reason(when: str) -> None:
    facts = PhaseFacts(when, "skipped", skip_reason="no judge configured (--judge)")
    outcome, note, shown, record = _result(facts)
    assert (outcome, note, shown) == ("skipped", "no judge configured (--judge)", None)
    assert record["reason"] == note and record["output"] is None


def test_a_model_that_stopped_is_one_line_pointing_to_where_it_was_said() -> None:
    failure = ModelFailure("model demo: weights not found at /nowhere")
    outcome, note, shown, record = _result(PhaseFacts("setup", "failed", failure, f"ModelFailure: {failure}"))
    assert (outcome, note) == ("error", "model demo: weights not found at /nowhere")
    assert shown == "demo stopped: see the 'lorabench: model demo:' line above"
    assert record["reason"] == note


def test_a_judge_error_is_its_own_line_with_the_traceback_left_to_pytest() -> None:
    error = JudgeError("judge error: no score in the judge's 3 replies (see the report)")
    outcome, note, shown, _ = _result(PhaseFacts("setup", "failed", error, f"JudgeError: {error}"), _answer("42"))
    assert (outcome, note, shown) == ("error", "judge error: no score in the judge's 3 replies (see the report)", None)


def test_a_setup_crash_names_the_exception() -> None:
    error = RuntimeError("CUDA out of memory")
    outcome, note, shown, _ = _result(PhaseFacts("setup", "failed", error, "RuntimeError: CUDA out of memory"))
    assert (outcome, note, shown) == ("error", "setup failed: RuntimeError: CUDA out of memory", None)


def test_a_pass_records_the_answer_and_its_verdict() -> None:
    answer = _answer("6*7 = 42.\nAnswer: 42")
    outcome, note, shown, record = _result(PhaseFacts("call", "passed"), answer)
    assert (outcome, note, shown) == ("passed", "", None)
    assert record["output"] == "6*7 = 42.\nAnswer: 42" and record["extracted"] == 42
    assert answer.verdict is not None and answer.verdict.passed and record["reason"] == answer.verdict.reason


def test_a_wrong_answer_is_a_failure_explained_by_its_verdict() -> None:
    answer = _answer("Answer: 41")
    error = AssertionError(answer.verdict.reason if answer.verdict else "")
    outcome, note, shown, record = _result(PhaseFacts("call", "failed", error, "AssertionError: ..."), answer)
    assert (outcome, note, shown) == ("failed", "", None)
    assert answer.verdict is not None and record["reason"] == answer.verdict.reason and record["extracted"] == 41


def test_a_failure_without_a_verdict_is_an_error_of_the_grader() -> None:
    error = KeyError("answer")
    facts = PhaseFacts("call", "failed", error, "KeyError: 'answer'")
    outcome, note, shown, record = _result(facts, _answer("Answer: 42", graded=False))
    assert (outcome, note, shown) == ("error", "grading raised: KeyError: 'answer'", None)
    assert record["output"] == "Answer: 42" and record["extracted"] is None


def test_a_model_failure_in_the_call_phase_is_not_reworded() -> None:
    """Only a setup that stopped on the model points to the model's line; later it is the grader's error."""
    failure = ModelFailure("model demo: stopped")
    outcome, note, shown, _ = _result(PhaseFacts("call", "failed", failure, "ModelFailure: model demo: stopped"))
    assert (outcome, note, shown) == ("error", "grading raised: ModelFailure: model demo: stopped", None)


@pytest.mark.parametrize(
    "facts",
    [
        PhaseFacts("setup", "passed"),
        PhaseFacts("teardown", "passed"),
        PhaseFacts("teardown", "failed", RuntimeError("x"), "RuntimeError: x"),
    ],
)
def test_a_setup_that_went_well_and_a_teardown_decide_nothing(facts: PhaseFacts) -> None:
    assert phase_result(facts, CASE, "demo", _answer("Answer: 42"), TEST_ID) is None
