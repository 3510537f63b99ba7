"""Open answers graded by an LLM judge (Prometheus 2 by default): the judge's 1-5 score on the case
rubric must reach the case threshold.

Without `--judge` these items are collected and skipped with that reason, never passed; a judge reply
with no readable score is an error of the judge, not a failure of the model.
"""

import pytest

from lorabench.reports.records import ModelAnswer
from lorabench.run.judging import JudgeVerdict


@pytest.mark.category("judge_finetome")
def test_judge_finetome(case: dict, model_answer: ModelAnswer, judge_verdict: JudgeVerdict) -> None:
    verdict = model_answer.check_judged(judge_verdict)
    assert verdict.passed, verdict.reason


@pytest.mark.category("judge_finance")
def test_judge_finance(case: dict, model_answer: ModelAnswer, judge_verdict: JudgeVerdict) -> None:
    verdict = model_answer.check_judged(judge_verdict)
    assert verdict.passed, verdict.reason
