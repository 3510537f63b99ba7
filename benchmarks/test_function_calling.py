"""Tool calls: known names, schema-valid arguments matching the accepted values; no call where none fits."""

import pytest

from benchmarks.graders import grade_tool_calls
from lorabench.reports.records import ModelAnswer


@pytest.mark.category("function_calling")
def test_function_calling(case: dict, model_answer: ModelAnswer) -> None:
    verdict = model_answer.check(grade_tool_calls)
    assert verdict.passed, verdict.reason
