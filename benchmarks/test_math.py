"""Numeric match: the final number equals the case answer within its tolerance."""

import pytest

from benchmarks.categories import grader_for
from lorabench.reports.records import ModelAnswer


@pytest.mark.category("math")
def test_math(case: dict, model_answer: ModelAnswer) -> None:
    verdict = model_answer.check(grader_for("math"))
    assert verdict.passed, verdict.reason
