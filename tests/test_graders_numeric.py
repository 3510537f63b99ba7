"""Numeric grader: which number is the final answer, how numbers are read, and tolerance."""

from __future__ import annotations

import json

import pytest

from benchmarks.graders import Verdict, grade, grade_numeric
from benchmarks.graders.numbers import numbers_in

CASE = {"id": "math-x", "category": "math", "answer": 42}


def case(answer: float, **extra: object) -> dict:
    return {**CASE, "answer": answer, **extra}


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1,234,567", [1234567]),
        ("$1,200.50", [1200.5]),
        ("€30 and USD 40 and £7", [30, 40, 7]),
        ("it fell by -5, then by −7", [-5, -7]),
        ("a loss of -$12", [-12]),
        ("pages 3-5", [3, 5]),
        ("COVID-19", [19]),
        ("3 - 5", [3, 5]),
        ("- 42 apples remain", [42]),
        (".5 and 3.75", [0.5, 3.75]),
        ("3/4 of it", [0.75]),
        ("1 1/2 cups", [1.5]),
        (r"\frac{3}{8} and \dfrac{1}{4}", [0.375, 0.25]),
        (r"-\frac{3}{4}", [-0.75]),
        (r"2\frac{1}{2}", [2.5]),
        ("12.5% of 45 mph", [0.125, 45]),
        ("12 km in 3.5 hours", [12, 3.5]),
        ("1.2e3 and 5E-2", [1200, 0.05]),
        ("no digits here", []),
    ],
)
def test_number_formats(text: str, values: list[float]) -> None:
    assert numbers_in(text) == pytest.approx(values)


@pytest.mark.parametrize(
    "output",
    [
        "Answer: 42",
        "answer: 42.",
        "The answer is 42.",
        "The final answer is: 42 apples",
        "Final answer: $42.00",
        "**Answer:** 42",
        "**Answer**: 42",
        "Answer:\n42",
        r"So the total is \boxed{42}.",
        "Answer: 6 × 7 = 42",
        "Answer: 42 (because 6 × 7 = 42)",
        "6 times 7 is 42.",
        "Answer: 42\nCheck: 6 * 7 = 42, and 42 + 1 = 43.",
    ],
)
def test_correct_final_answers_pass(output: str) -> None:
    verdict = grade_numeric(CASE, output)
    assert verdict.passed, verdict.reason
    assert verdict.extracted == 42


def test_a_wrong_number_earlier_does_not_matter_when_the_answer_line_is_right() -> None:
    verdict = grade_numeric(CASE, "First I got 41, then 40, then I fixed a mistake.\nAnswer: 42")
    assert verdict.passed
    assert verdict.reason == 'expected 42, extracted 42 from "Answer: 42"'


def test_the_right_number_earlier_does_not_save_a_wrong_answer_line() -> None:
    verdict = grade_numeric(CASE, "6 * 7 = 42? No, I think it is less.\nAnswer: 41")
    assert not verdict.passed and verdict.extracted == 41
    assert verdict.reason == 'expected 42, extracted 41 from "Answer: 41"'


@pytest.mark.parametrize(
    ("output", "extracted"),
    [
        ("Answer: 41", 41),
        ("Answer: -42", -42),
        ("Answer: 42.5", 42.5),
        ("I computed 42 then 43.", 43),
        ("Answer: 42\nWait, I made an error.\nAnswer: 24", 24),
        (r"Answer: 42" + "\n" + r"\boxed{24}", 24),
        (r"\boxed{24} although 42 appeared before", 24),
    ],
)
def test_wrong_final_answers_fail(output: str, extracted: float) -> None:
    verdict = grade_numeric(CASE, output)
    assert not verdict.passed
    assert verdict.extracted == extracted
    assert f"extracted {extracted}" in verdict.reason and "expected 42" in verdict.reason


def test_the_last_explicit_answer_wins_when_the_model_corrects_itself() -> None:
    assert grade_numeric(CASE, "Answer: 41\nHmm, recount.\nAnswer: 42").passed
    assert grade_numeric(CASE, r"\boxed{24}" + "\nOn reflection, Answer: 42").passed


def test_an_answer_line_without_a_number_falls_back_to_the_last_number() -> None:
    verdict = grade_numeric(CASE, "6 * 7 = 42\nAnswer: forty-two")
    assert verdict.passed and verdict.extracted == 42
    assert "last number in the output" in verdict.reason


@pytest.mark.parametrize("output", ["I cannot solve this.", "", "Answer: unknown"])
def test_no_number_fails_with_a_clear_reason(output: str) -> None:
    verdict = grade_numeric(CASE, output)
    assert not verdict.passed and verdict.extracted is None
    assert "no number found in the output" in verdict.reason


@pytest.mark.parametrize(
    ("answer", "output"),
    [
        (1234567, "Answer: 1,234,567"),
        (1200.5, "The total cost is $1,200.50."),
        (30, "Answer: €30"),
        (40, "Answer: USD 40"),
        (12, "Answer: 12 km"),
        (45, "She drove at 45 mph."),
        (3.5, "Answer: 3.5 hours"),
        (0.125, "Answer: 12.5%"),
        (0.75, "Answer: 3/4"),
        (0.75, r"\boxed{\frac{3}{4}}"),
        (1.5, "Answer: 1 1/2"),
        (0.5, "Answer: .5"),
        (1200, "Answer: 1.2e3"),
        (-5, "Answer: −5"),
        (-5, "The temperature fell to -5 degrees."),
        (5, "Read pages 3-5"),
        (42, "Answer: 42.0"),
    ],
)
def test_number_formats_in_answers(answer: float, output: str) -> None:
    verdict = grade_numeric(case(answer), output)
    assert verdict.passed, verdict.reason


def test_exact_by_default_up_to_float_noise() -> None:
    assert not grade_numeric(CASE, "Answer: 42.01").passed
    assert not grade_numeric(CASE, "Answer: 42.000001").passed
    assert grade_numeric(case(0.3), "Answer: 0.30000000000000004").passed
    assert grade_numeric(case(0.3, tolerance=0), "Answer: 0.30000000000000004").passed


def test_tolerance_is_absolute_and_inclusive_at_the_boundary() -> None:
    tolerant = case(12.35, tolerance=0.01)
    assert grade_numeric(tolerant, "Answer: 12.36").passed
    assert grade_numeric(tolerant, "Answer: 12.34").passed
    assert not grade_numeric(tolerant, "Answer: 12.3601").passed
    assert not grade_numeric(tolerant, "Answer: 12.3399").passed
    verdict = grade_numeric(tolerant, "Answer: 12.37")
    assert not verdict.passed and verdict.reason == 'expected 12.35 ± 0.01, extracted 12.37 from "Answer: 12.37"'


def test_verdict_is_json_serialisable() -> None:
    for output in ["Answer: 3/4", "Answer: 42", "nothing"]:
        json.dumps(grade_numeric(CASE, output).to_dict())
    assert grade_numeric(CASE, "Answer: 42.0").extracted == 42
    assert isinstance(grade_numeric(CASE, "Answer: 42.0").extracted, int)


def test_a_chain_of_equalities_is_graded_by_its_final_result() -> None:
    """`x = 6 × 7 = 42` states 42: the number after the last `=`, not the 6 after the first one."""
    verdict = grade(case(42), "6 times 7.\nAnswer: x = 6 × 7 = 42")
    assert verdict.passed and verdict.extracted == 42, verdict.reason
    assert verdict.reason == 'expected 42, extracted 42 from "Answer: x = 6 × 7 = 42"'
    assert not grade(case(6), "Answer: x = 6 × 7 = 42").passed


BOXED = r"The result is \boxed{42 \text{ apples, counted carefully one by one, twice over}}"


@pytest.mark.parametrize(
    ("answer", "output", "verdict"),
    [
        (42, "", Verdict(False, "expected 42, but no number found in the output ('empty')")),
        (42, "I have no idea.", Verdict(False, "expected 42, but no number found in the output ('I have no idea.')")),
        (
            42,
            "It is 40, or rather 42",
            Verdict(
                True, "expected 42, extracted 42 as the last number in the output (no Answer line gives a number)", 42
            ),
        ),
        (
            42,
            BOXED,
            Verdict(
                True,
                r'expected 42, extracted 42 from "\boxed{42 \text{ apples, counted carefully one by one, twic…"',
                42,
            ),
        ),
        (1, "Answer: 1 1/0 or 1", Verdict(True, 'expected 1, extracted 1 from "Answer: 1 1/0 or 1"', 1)),
        (
            5,
            "pages 3-5",
            Verdict(
                True, "expected 5, extracted 5 as the last number in the output (no Answer line gives a number)", 5
            ),
        ),
        (
            42,
            "Answer: 6 × 7 = 42 apples",
            Verdict(True, 'expected 42, extracted 42 from "Answer: 6 × 7 = 42 apples"', 42),
        ),
        (
            0.5,
            "Answer: 0.123456789012345",
            Verdict(False, 'expected 0.5, extracted 0.123456789 from "Answer: 0.123456789012345"', 0.123456789),
        ),
        (
            1e12,
            "Answer: 1000000000000.0001",  # float noise relative to the size of the answer
            Verdict(
                True,
                'expected 1000000000000, extracted 1000000000000.0001 from "Answer: 1000000000000.0001"',
                1000000000000.0001,
            ),
        ),
        (
            1,
            "Answer: 1.0000000015",
            Verdict(False, 'expected 1, extracted 1.0000000015 from "Answer: 1.0000000015"', 1.0000000015),
        ),
        (3, "Answer: 3/1", Verdict(True, 'expected 3, extracted 3 from "Answer: 3/1"', 3)),
        (
            5,
            "3-5",
            Verdict(
                True, "expected 5, extracted 5 as the last number in the output (no Answer line gives a number)", 5
            ),
        ),
    ],
)
def test_the_verdict_a_user_reads(answer: float, output: str, verdict: Verdict) -> None:
    """Outcome, reason (the number read and where from) and the extracted number, as the report shows them."""
    assert grade(case(answer), output) == verdict


ZEROS = "0" * 300


@pytest.mark.parametrize(
    ("answer", "output"),
    [
        (2.5, f"Answer: {ZEROS}2 {ZEROS}1/2"),
        (1500, f"Answer: 1,500.{ZEROS}"),
        (0.25, f"Answer: {ZEROS}1/4"),
        (0.5, f"Answer: .5{ZEROS}"),
    ],
)
def test_numbers_too_long_to_read_exactly_are_read_as_floats(answer: float, output: str) -> None:
    """Over 300 digits a number is read as a float, in every written form: mixed number, thousands
    separators, fraction, a decimal without a leading zero."""
    verdict = grade({**CASE, "answer": answer}, output)
    assert verdict.passed and verdict.reason.startswith(f"expected {answer:g}, extracted {answer:g} from"), verdict
