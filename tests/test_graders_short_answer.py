"""Short-answer grader: aliases as whole normalised phrases, or every required keyword."""

from __future__ import annotations

import json

import pytest

from benchmarks.graders import grade_short_answer

CASE = {"id": "sit-x", "category": "situational", "accepted": ["hospital", "emergency room", "ER"]}
KEYWORDS = {"id": "sit-y", "category": "situational", "required_keywords": ["umbrella", "rain"]}


@pytest.mark.parametrize(
    "output",
    [
        "Answer: Hospital",
        "Answer: HOSPITAL!",
        "Answer: the hospital.",
        "Answer: a hospital",
        "Answer: She is in the EMERGENCY-room, waiting.",
        "Answer: emergency   room",
        "Answer: the E.R.",
        "Answer: “Hospital”",
        "**Answer:** hospital",
        "The answer is: hospital",
        "Answer:\nhospital",
        "They are at a hospital.",
    ],
)
def test_aliases_match(output: str) -> None:
    verdict = grade_short_answer(CASE, output)
    assert verdict.passed, verdict.reason


def test_pass_reason_names_the_alias() -> None:
    verdict = grade_short_answer(CASE, "She waits anxiously.\nAnswer: The emergency room")
    assert verdict.reason == 'the Answer line "The emergency room" names the accepted answer "emergency room"'
    assert verdict.extracted == "The emergency room"


@pytest.mark.parametrize(
    "output",
    [
        "Answer: a school",
        "Answer: hospitality desk",
        "Answer: hospitals' parking? no: a clinic",
        "Answer: emergency",
        "Answer: room",
        "",
        "   ",
    ],
)
def test_non_matches_fail(output: str) -> None:
    verdict = grade_short_answer(CASE, output)
    assert not verdict.passed, verdict.reason


def test_fail_reason_lists_the_aliases() -> None:
    verdict = grade_short_answer(CASE, "Answer: a school")
    assert not verdict.passed
    assert verdict.reason == (
        'the Answer line "a school" names none of the accepted answers ("hospital", "emergency room", "ER")'
    )


def test_the_last_answer_line_decides_over_earlier_text() -> None:
    assert not grade_short_answer(CASE, "It could be a hospital.\nAnswer: a library").passed
    assert grade_short_answer(CASE, "Answer: a library\nNo, wait.\nAnswer: the hospital").passed


def test_without_an_answer_line_the_whole_output_is_the_answer() -> None:
    verdict = grade_short_answer(CASE, "Given the stretcher and the nurses, she is at the hospital.")
    assert verdict.passed and "no Answer line" in verdict.reason
    assert not grade_short_answer(CASE, "She is at the library.").passed


def test_word_boundaries() -> None:
    cat = {"id": "sit-z", "category": "situational", "accepted": ["cat"]}
    assert not grade_short_answer(cat, "Answer: category").passed
    assert not grade_short_answer(cat, "Answer: a bobcat").passed
    assert grade_short_answer(cat, "Answer: the cat!").passed
    assert grade_short_answer(cat, "Answer: It's a black cat.").passed


def test_required_keywords_all_needed() -> None:
    assert grade_short_answer(KEYWORDS, "Answer: she took an Umbrella because of the rain.").passed
    verdict = grade_short_answer(KEYWORDS, "Answer: she took an umbrella")
    assert not verdict.passed
    assert verdict.reason == 'the Answer line "she took an umbrella" lacks the keyword(s) "rain"'
    assert not grade_short_answer(KEYWORDS, "Answer: umbrellas in rainy weather").passed


def test_either_rule_is_enough() -> None:
    both = {**CASE, "required_keywords": ["ambulance", "injury"]}
    assert grade_short_answer(both, "Answer: an injury needing an ambulance").passed
    assert grade_short_answer(both, "Answer: ER").passed
    verdict = grade_short_answer(both, "Answer: an injury at home")
    assert not verdict.passed
    assert (
        "names none of the accepted answers" in verdict.reason and 'lacks the keyword(s) "ambulance"' in verdict.reason
    )


def test_verdict_is_json_serialisable() -> None:
    for output in ["Answer: ER", "nothing", ""]:
        json.dumps(grade_short_answer(CASE, output).to_dict())
