"""Option-letter grader: one committed letter, never the article 'A', hedges fail."""

from __future__ import annotations

import pytest

from benchmarks.graders import grade_choice

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
        "(B)",
        "B)",
        "B.",
        "**B**",
        "Answer: B",
        "Answer: (b)",
        "The answer is B",
        "Option B is right",
        "The correct option is (B) Paris",
        "B. Paris",
        "Paris",
        "Answer: Paris",
        "A city with many museums. Answer: B",
        "A and C are wrong.\nAnswer: B",
    ],
)
def test_committed_correct_letter_passes(output: str) -> None:
    verdict = grade_choice(CASE, output)
    assert verdict.passed, verdict.reason
    assert verdict.extracted == "B"


@pytest.mark.parametrize(
    ("output", "extracted"),
    [("Answer: A", "A"), ("The answer is C", "C"), ("(D) Madrid", "D"), ("Berlin", "C")],
)
def test_wrong_letter_fails(output: str, extracted: str) -> None:
    verdict = grade_choice(CASE, output)
    assert not verdict.passed and verdict.extracted == extracted
    assert "expected B" in verdict.reason


@pytest.mark.parametrize("output", ["A or B", "Answer: A and C", "Either B or D", "C/D", "Answer: B, C"])
def test_two_letters_are_ambiguous(output: str) -> None:
    verdict = grade_choice(CASE, output)
    assert not verdict.passed
    assert verdict.reason.startswith("ambiguous")


@pytest.mark.parametrize(
    "output",
    ["A capital city is a seat of government.", "I am not sure.", "E)", "The answer is a bit unclear."],
)
def test_no_letter_chosen_fails(output: str) -> None:
    verdict = grade_choice(CASE, output)
    assert not verdict.passed and verdict.extracted is None
    assert verdict.reason.startswith("no option letter found")


def test_an_explicit_answer_statement_beats_letters_listed_earlier() -> None:
    verdict = grade_choice(CASE, "C) Berlin\n\nThe answer is B) Paris.")
    assert verdict.passed and verdict.reason == "chose B (the Answer line); correct"
