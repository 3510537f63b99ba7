"""Short-answer grader: aliases as whole normalised phrases, or every required keyword."""

from __future__ import annotations

import json

import pytest

from benchmarks.graders import Verdict, grade, grade_short_answer

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


SITUATION = {"id": "sit-x", "category": "situational"}
LONG = "She went somewhere after paying for a very long and complicated evening out with friends and family members"


@pytest.mark.parametrize(
    ("rules", "output", "passed", "reason"),
    [
        (
            {"accepted": ["cinema", "movie theater"]},
            "Answer: at the Movie Theater.",
            True,
            'the Answer line "at the Movie Theater." names the accepted answer "movie theater"',
        ),
        (
            {"accepted": ["cinema"]},
            "She was at home.",
            False,
            'the output (no Answer line) "She was at home." names none of the accepted answers ("cinema")',
        ),
        (
            {"accepted": ["The Hague"]},
            "Answer: Hague.",
            True,
            'the Answer line "Hague." names the accepted answer "The Hague"',
        ),
        ({"accepted": ["cinema"]}, "Answer: ...", False, "the Answer line is empty"),
        ({"accepted": ["cinema"]}, " \n", False, "the output (no Answer line) is empty"),
        (
            {"required_keywords": ["umbrella", "rain"]},
            "She took an umbrella because of the rain.",
            True,
            'the output (no Answer line) "She took an umbrella because of the rain." contains every required'
            ' keyword ("umbrella", "rain")',
        ),
        (
            {"required_keywords": ["umbrella", "rain"]},
            "Answer: an umbrella",
            False,
            'the Answer line "an umbrella" lacks the keyword(s) "rain"',
        ),
        (
            {"accepted": ["cinema"], "required_keywords": ["film", "ticket"]},
            "Answer: a film",
            False,
            'the Answer line "a film" names none of the accepted answers ("cinema") and lacks the keyword(s) "ticket"',
        ),
        (
            {},
            "Answer: anything",
            False,
            'the Answer line "anything" cannot match: the case lists no accepted answers or keywords',
        ),
        (
            {"accepted": ["cinema"]},
            LONG,
            False,
            'the output (no Answer line) "She went somewhere after paying for a very long and complic…" names none'
            ' of the accepted answers ("cinema")',
        ),
    ],
)
def test_the_verdict_a_user_reads(rules: dict, output: str, passed: bool, reason: str) -> None:
    """The whole verdict as the report shows it: outcome, reason (what was read, from where, and why) and the
    extracted answer, which is the text that was judged."""
    extracted = (output.split("Answer:")[-1] if "Answer:" in output else output).strip()
    assert grade({**SITUATION, **rules}, output) == Verdict(passed, reason, extracted)
