"""Numeric match: the final number equals the case answer within its tolerance."""

import pytest

from benchmarks.graders import grade_numeric
from lorabench.reports.records import ModelAnswer


@pytest.mark.category("math")
def test_math(case: dict, model_answer: ModelAnswer) -> None:
    verdict = model_answer.check(grade_numeric)
    assert verdict.passed, verdict.reason
