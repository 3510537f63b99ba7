"""Numeric grader: final-answer extraction, number formats and tolerance."""

from __future__ import annotations

import pytest

from benchmarks.graders import grade_numeric
from benchmarks.graders.numbers import numbers_in

CASE = {"id": "math-x", "category": "math", "answer": 42}


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("$1,234,567.50", [1234567.5]),
        ("it is -5 or −7", [-5, -7]),
        ("pages 3-5", [3, 5]),
        ("COVID-19", [19]),
        (".5 and 3/4", [0.5, 0.75]),
        (r"\frac{3}{8}", [0.375]),
        ("12.5% of 45 mph", [12.5, 45]),
        ("1.2e3", [1200]),
        ("€30 and USD 40", [30, 40]),
    ],
)
def test_number_formats(text: str, values: list[float]) -> None:
    assert numbers_in(text) == pytest.approx(values)


@pytest.mark.parametrize(
    "output",
    [
        "Answer: 42",
        "6 times 7 is 42.",
        "First I got 41, then corrected it.\nAnswer: 42",
        "The answer is: 42 apples",
        r"So the total is \boxed{42}.",
        "Final answer: $42.00",
        "Answer: 42.",
    ],
)
def test_correct_final_answers_pass(output: str) -> None:
    verdict = grade_numeric(CASE, output)
    assert verdict.passed, verdict.reason
    assert verdict.extracted == 42


@pytest.mark.parametrize(
    ("output", "extracted"),
    [
        ("42 looked likely, but\nAnswer: 41", 41),
        ("Answer: 41", 41),
        ("I computed 42 then 43.", 43),
        ("Answer: -42", -42),
        (r"\boxed{24} although 42 appeared", 24),
    ],
)
def test_wrong_final_answers_fail_even_when_the_right_number_appears(output: str, extracted: int) -> None:
    verdict = grade_numeric(CASE, output)
    assert not verdict.passed
    assert verdict.extracted == extracted
    assert f"extracted {extracted}" in verdict.reason and "expected 42" in verdict.reason


def test_no_number_fails_with_a_reason() -> None:
    verdict = grade_numeric(CASE, "I cannot solve this.")
    assert not verdict.passed and verdict.extracted is None
    assert verdict.reason.startswith("no number found")


def test_integers_are_exact_by_default() -> None:
    assert not grade_numeric(CASE, "Answer: 42.01").passed
    assert grade_numeric({**CASE, "answer": 0.3}, "Answer: 0.30000000000000004").passed


def test_tolerance_is_absolute_and_inclusive() -> None:
    case = {**CASE, "answer": 12.35, "tolerance": 0.01}
    assert grade_numeric(case, "Answer: 12.36").passed
    assert grade_numeric(case, "Answer: 12.34").passed
    assert not grade_numeric(case, "Answer: 12.37").passed


def test_fractions_and_percent_as_written() -> None:
    assert grade_numeric({**CASE, "answer": 0.75}, "Answer: 3/4").passed
    assert grade_numeric({**CASE, "answer": 12.5}, "The rate is 12.5%").passed
