"""Short answer: an accepted alias, or all required keywords, in the final answer."""

import pytest

from benchmarks.graders import grade_short_answer
from lorabench.reports.records import ModelAnswer


@pytest.mark.category("situational")
def test_situational(case: dict, model_answer: ModelAnswer) -> None:
    verdict = model_answer.check(grade_short_answer)
    assert verdict.passed, verdict.reason
