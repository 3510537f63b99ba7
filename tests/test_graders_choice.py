"""Option-letter grader: one committed letter, never the article "A", hedges fail."""

from __future__ import annotations

import json

import pytest

from benchmarks.graders import Verdict, grade, grade_choice

CASE = {
    "id": "mcq-x",
    "category": "mcq",
    "answer": "B",
    "options": {"A": "Rome", "B": "Paris", "C": "Berlin", "D": "Madrid"},
}


@pytest.mark.parametrize(
    "output",
    [
        "B",
        "b",
        "(B)",
        "B)",
        "B.",
        "**B**",
        "Answer: B",
        "answer: b",
        "**Answer:** B",
        "Answer:\nB",
        "Answer: (B)",
        "Answer: **B) Paris**",
        "The answer is B",
        "The answer is (B).",
        "The correct option is (B) Paris",
        "The best choice is B, since Paris is the capital.",
        "Option B: Paris",
        "I choose option B.",
        "B. Paris",
        "B is correct.",
        "Paris",
        "paris.",
        "Answer: Paris",
    ],
)
def test_committed_correct_letter_passes(output: str) -> None:
    verdict = grade_choice(CASE, output)
    assert verdict.passed, verdict.reason
    assert verdict.extracted == "B"


@pytest.mark.parametrize(
    "output",
    [
        "A city with many museums and the seat of government.\nAnswer: B",
        "A company issues bonds. The answer is B",
        "A capital is a seat of government. I'd pick B.",
        "A and C are wrong.\nAnswer: B",
        "Answer: B. Paris is the capital of France, not A.",
        "Answer: (B)\n\nExplanation: A is Rome, which is not the capital of France.",
        "(A) Rome\n(B) Paris\n(C) Berlin\n(D) Madrid\nAnswer: B",
        "C) Berlin\n\nThe answer is B) Paris.",
        "Answer: A\nWait, that is Rome. Answer: B",
    ],
)
def test_the_answer_statement_decides_over_other_letters(output: str) -> None:
    verdict = grade_choice(CASE, output)
    assert verdict.passed, verdict.reason
    assert verdict.extracted == "B"


@pytest.mark.parametrize(
    ("output", "extracted"),
    [("Answer: A", "A"), ("The answer is C", "C"), ("(D) Madrid", "D"), ("Berlin", "C"), ("A", "A")],
)
def test_wrong_letter_fails(output: str, extracted: str) -> None:
    verdict = grade_choice(CASE, output)
    assert not verdict.passed and verdict.extracted == extracted
    assert f"chose {extracted}" in verdict.reason and "expected B" in verdict.reason


def test_reason_quotes_where_the_letter_came_from() -> None:
    assert grade_choice(CASE, "Some thoughts.\nAnswer: D").reason == 'chose D from "Answer: D": expected B'
    assert grade_choice(CASE, "Answer: B").reason == 'chose B from "Answer: B": correct'


@pytest.mark.parametrize(
    ("output", "letters"),
    [
        ("A or B", ["A", "B"]),
        ("Answer: A and C", ["A", "C"]),
        ("Either B or D", ["B", "D"]),
        ("C/D", ["C", "D"]),
        ("Answer: B, C", ["B", "C"]),
        ("The answer is (A) or (B).", ["A", "B"]),
        ("Answer: Paris or Rome", ["A", "B"]),
    ],
)
def test_two_letters_are_ambiguous(output: str, letters: list[str]) -> None:
    verdict = grade_choice(CASE, output)
    assert not verdict.passed
    assert verdict.reason.startswith("ambiguous") and " and ".join(sorted(letters)) in verdict.reason
    assert sorted(verdict.extracted) == letters


@pytest.mark.parametrize(
    "output",
    [
        "A capital city is a seat of government.",
        "A company issues bonds to raise money.",
        "The answer is a bit unclear.",
        "I am not sure.",
        "",
        "E)",
        "Answer: E",
        "Answer: Lisbon",
    ],
)
def test_no_letter_chosen_fails(output: str) -> None:
    verdict = grade_choice(CASE, output)
    assert not verdict.passed and verdict.extracted is None
    assert "no option letter found" in verdict.reason


def test_the_article_a_in_an_answer_line_is_not_option_a() -> None:
    verdict = grade_choice({**CASE, "answer": "A"}, "Answer: A city on the Seine, so Paris")
    assert verdict.extracted != "A" and not verdict.passed


def test_letters_outside_the_options_are_ignored() -> None:
    three = {**CASE, "options": {"A": "Rome", "B": "Paris", "C": "Berlin"}}
    assert grade_choice(three, "D) is tempting, but Answer: B").passed
    assert grade_choice(three, "(D) Madrid\n(B) Paris").extracted == "B"
    five = {**CASE, "answer": "E", "options": {**CASE["options"], "E": "Lisbon"}}
    assert grade_choice(five, "Answer: E").passed


def test_option_text_needs_exactly_one_option_and_prefers_the_longer_text() -> None:
    vitamins = {
        "id": "mcq-v",
        "category": "mcq",
        "answer": "B",
        "options": {"A": "Vitamin A", "B": "Vitamin D", "C": "The stock's price falls"},
    }
    assert grade_choice(vitamins, "Vitamin D").extracted == "B"
    assert grade_choice(vitamins, "answer: VITAMIN   d").passed
    assert grade_choice(vitamins, "Answer: the stocks price falls").extracted == "C"
    assert grade_choice(vitamins, "Answer: Vitamin").extracted is None


def test_verdict_is_json_serialisable() -> None:
    for output in ["Answer: B", "A or B", "nothing"]:
        json.dumps(grade_choice(CASE, output).to_dict())


def test_an_option_inside_another_options_text_is_set_aside() -> None:
    """The option "Paris, Texas" contains "Paris": answering the longer one is not a hedge between the two."""
    towns = {**CASE, "answer": "B", "options": {"A": "Paris", "B": "Paris, Texas", "C": "Austin", "D": "Dallas"}}
    verdict = grade(towns, "It is Paris, Texas, of course.")
    assert verdict.passed and verdict.extracted == "B", verdict.reason
    assert verdict.reason == 'chose B from the output "It is Paris, Texas, of course.": correct'
    assert grade(towns, "It is Paris, the one in France.").extracted == "A"


LONG = "The answer is clearly the city of light, which I believe is option (B) Paris"


@pytest.mark.parametrize(
    ("output", "verdict"),
    [
        ("", Verdict(False, "expected B, but no option letter found in 'empty output'")),
        ("I am not sure.", Verdict(False, "expected B, but no option letter found in 'I am not sure.'")),
        ("A or B", Verdict(False, 'ambiguous: the output "A or B" commits to A and B, not one option', ["A", "B"])),
        (
            "Answer: A or B",
            Verdict(False, 'ambiguous: "Answer: A or B" commits to A and B, not one option', ["A", "B"]),
        ),
        ("Answer: b", Verdict(True, 'chose B from "Answer: b": correct', "B")),
        ("Answer: C", Verdict(False, 'chose C from "Answer: C": expected B', "C")),
        ("Paris", Verdict(True, 'chose B from the output "Paris": correct', "B")),
        (
            LONG,
            Verdict(True, 'chose B from "answer is clearly the city of light, which I believe is opt…": correct', "B"),
        ),
        (
            "Let me think.\nB - the French capital",
            Verdict(True, 'chose B from the output "Let me think. B - the French capital": correct', "B"),
        ),
        ("A good guess is (B)", Verdict(True, 'chose B from the output "A good guess is (B)": correct', "B")),
        ("Answer: X", Verdict(False, "expected B, but no option letter found in 'Answer: X'")),
        (
            "Option A is tempting, but the correct option is B.",
            Verdict(True, 'chose B from "correct option is B.": correct', "B"),
        ),
        (
            "Paris is the capital of France, and this long sentence keeps going on and on",
            Verdict(
                True,
                'chose B from the output "Paris is the capital of France, and this long sentence keep…": correct',
                "B",
            ),
        ),
    ],
)
def test_the_verdict_a_user_reads(output: str, verdict: Verdict) -> None:
    """Outcome, reason (which letter, read from where) and the extracted letter, as the report shows them."""
    assert grade(CASE, output) == verdict
