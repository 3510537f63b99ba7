"""Short answers that hedge fail with their candidates; MCQ answers by a distinctive part of one
option; percents as fractions unless the case counts percentage points."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from benchmarks.graders import grade_choice, grade_numeric, grade_short_answer

PLACE = {"id": "sit-h", "category": "situational", "accepted": ["hospital", "emergency room", "ER", "A&E"]}
SCHEMA = json.loads((Path(__file__).parent.parent / "benchmarks" / "cases" / "schema.json").read_text())


@pytest.mark.parametrize(
    ("output", "candidates"),
    [
        ("It could be a school, a library, a hospital or a museum.", "a school; a library; a hospital; a museum"),
        ("Answer: a hospital or a clinic", "a hospital; a clinic"),
        ("Answer: either the hospital or the police station", "the hospital; the police station"),
        ("Answer: a hospital (or possibly a clinic)", "a hospital; possibly a clinic"),
        ("Answer: hospital/school", "hospital; school"),
        ("Possible places:\n1. School\n2. Hospital\n3. Airport\n4. Office", "School; Hospital; Airport; Office"),
        ("The answer is one of these:\n- **Hospital**: nurses\n- **Clinic**: smaller\n- **Pharmacy**", "Hospital"),
        ("Based on the clues she might be at a hotel, a hospital or an airport.", "a hotel; a hospital; an airport"),
        ("Answer:\n1. Hospital\n2. School\n3. Airport", "Hospital; School; Airport"),
        ("Answer:\n- Hospital\n- Clinic", "Hospital; Clinic"),
    ],
)
def test_a_hedge_fails_with_its_candidates(output: str, candidates: str) -> None:
    verdict = grade_short_answer(PLACE, output)
    assert not verdict.passed
    assert "hedged: the answer offers" in verdict.reason and candidates in verdict.reason


@pytest.mark.parametrize(
    "output",
    [
        "Answer: hospital",
        "Answer: the emergency room (or ER)",
        "Answer: hospital\n\nIt could also have been a clinic or a school, but the stretcher settles it.",
        "She is at the hospital.\nClues:\n1. The hospital smell\n2. Nurses walking by",
        "She is at the hospital, maybe in the cafeteria or the waiting room.",
        "It's not a school or a library, it's a hospital.",
        "Answer: She is at the hospital, whether she likes it or not.",
        "Answer: hospital, 20 minutes or so after the accident",
    ],
)
def test_one_committed_answer_with_explanation_passes(output: str) -> None:
    verdict = grade_short_answer(PLACE, output)
    assert verdict.passed, verdict.reason


def test_a_hedge_of_only_wrong_candidates_fails_as_a_wrong_answer() -> None:
    verdict = grade_short_answer(PLACE, "Answer: a school or a library")
    assert not verdict.passed and "names none of the accepted answers" in verdict.reason


SHARES = {
    "id": "mcq-h",
    "category": "mcq",
    "answer": "D",
    "options": {
        "A": "Its share price with its book value per share",
        "B": "Its dividends per share with its net earnings",
        "C": "Its total debt with its shareholders' equity",
        "D": "Its share price with its earnings per share",
    },
}
TEXAS = {"id": "mcq-t", "category": "mcq", "answer": "B", "options": {"A": "Paris", "B": "Paris, Texas", "C": "Austin"}}


@pytest.mark.parametrize(
    ("case", "output", "letter"),
    [
        (SHARES, "Answer: earnings per share", "D"),
        (SHARES, "Answer: the debt compared with equity", "C"),
        (SHARES, "It compares the price to book value.", "A"),
        (TEXAS, "Answer: Paris, Texas", "B"),
        (TEXAS, "Answer: the one in Texas", "B"),
        (TEXAS, "Answer: Paris", "A"),
    ],
)
def test_a_distinctive_part_of_one_option_names_it(case: dict, output: str, letter: str) -> None:
    verdict = grade_choice(case, output)
    assert verdict.extracted == letter, verdict.reason


@pytest.mark.parametrize(
    ("case", "output", "letters"),
    [
        (TEXAS, "I'd say Texas or Austin", ["B", "C"]),
        (SHARES, "Answer: book value or net earnings", ["A", "B"]),
    ],
)
def test_parts_of_two_options_are_ambiguous(case: dict, output: str, letters: list[str]) -> None:
    verdict = grade_choice(case, output)
    assert not verdict.passed and verdict.reason.startswith("ambiguous") and verdict.extracted == letters


def test_words_every_option_shares_name_no_option() -> None:
    verdict = grade_choice(SHARES, "Answer: per share")
    assert verdict.extracted is None and "no option letter found" in verdict.reason


RATE = {"id": "math-p", "category": "math", "answer": 0.75}
POINTS = {"id": "math-q", "category": "math", "answer": 75, "percent": "points"}


@pytest.mark.parametrize(
    ("case", "output", "passes"),
    [
        (RATE, "Answer: 75%", True),
        (RATE, "Answer: 0.75", True),
        (RATE, "Answer: 3/4", True),
        (RATE, "Answer: 75", False),
        (POINTS, "Answer: 75%", True),
        (POINTS, "Answer: 75", True),
        (POINTS, "Answer: 0.75", False),
        ({**RATE, "answer": 0.125}, "Answer: 12.5 %", True),
    ],
)
def test_a_percent_is_its_fraction_unless_the_case_counts_points(case: dict, output: str, passes: bool) -> None:
    verdict = grade_numeric(case, output)
    assert verdict.passed is passes, verdict.reason


def test_the_percent_field_is_in_the_case_schema_for_math_only() -> None:
    base = {"id": "math-1", "prompt": "?", "answer": 75}
    jsonschema.validate({**base, "category": "math", "percent": "points"}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**base, "category": "math", "percent": "basis points"}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**base, "category": "situational", "accepted": ["x"], "percent": "points"}, SCHEMA)
    with pytest.raises(ValueError, match="case math-1: percent must be one of fraction, points"):
        grade_numeric({**base, "category": "math", "percent": "pts"}, "Answer: 75%")


CARER = {"id": "sit-c", "category": "situational", "accepted": ["doctor", "physician"]}


@pytest.mark.parametrize(
    ("output", "passes", "reason"),
    [
        (
            "Answer: doctor, nurse or a paramedic who works the night shift",
            False,
            'the Answer line "doctor, nurse or a paramedic who works the night shift" is hedged: the answer offers'
            " 3 candidates (doctor; nurse; a paramedic who works), not one",
        ),
        (
            "Answer: doctor or nurse",
            False,
            'the Answer line "doctor or nurse" is hedged: the answer offers 2 candidates (doctor; nurse), not one',
        ),
        (
            "The patient was seen by someone who could be a doctor or a nurse.",
            False,
            'the output (no Answer line) "The patient was seen by someone who could be a doctor or a …" is hedged:'
            " the answer offers 2 candidates (a doctor; a nurse), not one",
        ),
        (
            "1. Doctor: treats patients\n2. Nurse - cares for them",
            False,
            'the output (no Answer line) "1. Doctor: treats patients 2. Nurse - cares for them" is hedged: the'
            " answer offers 2 candidates (Doctor; Nurse), not one",
        ),
        (
            "1. **Doctor**\n2. **Nurse**\n3. **Paramedic**",
            False,
            'the output (no Answer line) "1. **Doctor** 2. **Nurse** 3. **Paramedic**" is hedged: the answer'
            " offers 3 candidates (Doctor; Nurse; Paramedic), not one",
        ),
        (
            "1. Doctor\n2. Physician",
            True,
            'the output (no Answer line) "1. Doctor 2. Physician" names the accepted answer "doctor"',
        ),
        (
            "Answer: a, b, c, d, e, f, g, h, i, j, k or doctor",
            False,
            'the Answer line "a, b, c, d, e, f, g, h, i, j, k or doctor" is hedged: the answer offers 12 candidates'
            " (a; b; c; d; e; f; g; h; i; j and 2 more), not one",
        ),
        (
            "Answer: doctor or someone with an extraordinarily long professional designation",
            False,
            'the Answer line "doctor or someone with an extraordinarily long professional…" is hedged: the answer'
            " offers 2 candidates (doctor; someone with an extraordinarily), not one",
        ),
        (
            "She is a doctor.\n1. Doctor\n2. Nurse",
            True,
            'the output (no Answer line) "She is a doctor. 1. Doctor 2. Nurse" names the accepted answer "doctor"',
        ),
        (
            "Answer: the doctor/nurse",
            False,
            'the Answer line "the doctor/nurse" is hedged: the answer offers 2 candidates (the doctor; nurse), not one',
        ),
    ],
)
def test_the_hedge_reason_lists_the_candidates_a_user_would_see(output: str, passes: bool, reason: str) -> None:
    """Each candidate as the answer offers it: a long piece cut to the words after its hedge cue or to its
    first four words, list items cut at their colon or dash and without markdown stars, ten at most."""
    verdict = grade_short_answer(CARER, output)
    assert (verdict.passed, verdict.reason) == (passes, reason)
