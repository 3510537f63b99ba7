"""Tool calls: known names, schema-valid arguments matching the accepted values; no call where none fits."""

import pytest

from benchmarks.categories import grader_for
from lorabench.reports.records import ModelAnswer


@pytest.mark.category("function_calling")
def test_function_calling(case: dict, model_answer: ModelAnswer) -> None:
    verdict = model_answer.check(grader_for("function_calling"))
    assert verdict.passed, verdict.reason
