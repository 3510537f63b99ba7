"""Open answers graded by an LLM judge (Prometheus 2): a score on the case rubric at or above its threshold.

Until a judge is configured these items are collected and skipped with that reason, never passed.
"""

import pytest

from fixtures.records import ModelAnswer


@pytest.mark.category("judge_finetome")
def test_judge_finetome(case: dict, model_answer: ModelAnswer) -> None:
    pytest.fail("unreachable without a judge: model_answer skips judge cases")


@pytest.mark.category("judge_finance")
def test_judge_finance(case: dict, model_answer: ModelAnswer) -> None:
    pytest.fail("unreachable without a judge: model_answer skips judge cases")
