"""Short-answer grader: aliases as whole normalised phrases, or every required keyword."""

from __future__ import annotations

import pytest

from benchmarks.graders import grade_short_answer

CASE = {"id": "sit-x", "category": "situational", "accepted": ["hospital", "emergency room", "ER"]}
KEYWORDS = {"id": "sit-y", "category": "situational", "required_keywords": ["umbrella", "rain"]}


@pytest.mark.parametrize(
    "output",
    ["Answer: Hospital", "Answer: the hospital.", "Answer: She is in the EMERGENCY-room", "They are at a hospital."],
)
def test_aliases_match(output: str) -> None:
    verdict = grade_short_answer(CASE, output)
    assert verdict.passed, verdict.reason


@pytest.mark.parametrize(
    "output", ["Answer: a school", "Answer: hospitality desk", "Answer: ERs nearby? no: clinic", ""]
)
def test_non_matches_fail(output: str) -> None:
    assert not grade_short_answer(CASE, output).passed


def test_answer_line_decides_over_earlier_text() -> None:
    assert not grade_short_answer(CASE, "Not a hospital at all.\nAnswer: a library").passed


def test_word_boundaries() -> None:
    case = {"id": "sit-z", "category": "situational", "accepted": ["cat"]}
    assert not grade_short_answer(case, "Answer: category").passed
    assert grade_short_answer(case, "Answer: the cat!").passed


def test_required_keywords_all_needed() -> None:
    assert grade_short_answer(KEYWORDS, "Answer: she took an umbrella because of the rain").passed
    verdict = grade_short_answer(KEYWORDS, "Answer: she took an umbrella")
    assert not verdict.passed and "'rain'" in verdict.reason


def test_either_rule_is_enough() -> None:
    both = {**CASE, "required_keywords": ["ambulance", "injury"]}
    assert grade_short_answer(both, "Answer: an injury needing an ambulance").passed
    assert grade_short_answer(both, "Answer: ER").passed
