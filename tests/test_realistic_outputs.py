"""Every grader on realistic outputs of small instruct models (tests/realistic_outputs.py)."""

from __future__ import annotations

import pytest

from benchmarks.graders import grade
from tests.realistic_outputs import CASES, OUTPUTS


@pytest.mark.parametrize(
    ("case_key", "output", "passes", "why"), OUTPUTS, ids=[f"{o[0]}-{i}" for i, o in enumerate(OUTPUTS)]
)
def test_realistic_output_gets_the_readers_verdict(case_key: str, output: str, passes: bool, why: str) -> None:
    verdict = grade(CASES[case_key], output)
    assert verdict.passed is passes, verdict.reason
    assert why in verdict.reason
