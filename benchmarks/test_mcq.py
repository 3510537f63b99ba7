"""Option letter: the one letter the model commits to is the correct option."""

import pytest

from benchmarks.graders import grade_choice
from lorabench.reports.records import ModelAnswer


@pytest.mark.category("mcq")
def test_mcq(case: dict, model_answer: ModelAnswer) -> None:
    verdict = model_answer.check(grade_choice)
    assert verdict.passed, verdict.reason
