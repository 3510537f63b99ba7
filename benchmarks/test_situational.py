"""Short answer: an accepted alias, or all required keywords, in the final answer."""

import pytest

from benchmarks.categories import grader_for
from lorabench.reports.records import ModelAnswer


@pytest.mark.category("situational")
def test_situational(case: dict, model_answer: ModelAnswer) -> None:
    verdict = model_answer.check(grader_for("situational"))
    assert verdict.passed, verdict.reason
