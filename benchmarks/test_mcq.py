"""Option letter: the one letter the model commits to is the correct option."""

import pytest

from benchmarks.categories import grader_for
from lorabench.reports.records import ModelAnswer


@pytest.mark.category("mcq")
def test_mcq(case: dict, model_answer: ModelAnswer) -> None:
    verdict = model_answer.check(grader_for("mcq"))
    assert verdict.passed, verdict.reason
