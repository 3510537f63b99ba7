"""grade(): the public entry point dispatches on category and refuses what it cannot grade."""

from __future__ import annotations

import copy
import re

import pytest

from benchmarks.graders import (
    Verdict,
    grade,
    grade_choice,
    grade_numeric,
    grade_short_answer,
    grade_tool_calls,
)

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CASES = [
    ({"id": "math-1", "category": "math", "prompt": "6*7?", "answer": 42}, grade_numeric, "Answer: 42"),
    (
        {"id": "mcq-1", "category": "mcq", "prompt": "?", "options": {"A": "x", "B": "y"}, "answer": "B"},
        grade_choice,
        "Answer: B",
    ),
    (
        {
            "id": "fc-1",
            "category": "function_calling",
            "prompt": "Weather in Oslo?",
            "tools": [WEATHER],
            "expected_calls": [{"name": "get_weather", "arguments": {"city": ["Oslo"]}}],
        },
        grade_tool_calls,
        '[get_weather(city="Oslo")]',
    ),
    (
        {"id": "sit-1", "category": "situational", "prompt": "Where?", "accepted": ["pool"]},
        grade_short_answer,
        "Answer: the pool",
    ),
]


@pytest.mark.parametrize(("case", "grader", "output"), CASES, ids=[c[0]["category"] for c in CASES])
def test_dispatch_by_category(case: dict, grader: object, output: str) -> None:
    verdict = grade(case, output)
    assert isinstance(verdict, Verdict) and verdict.passed, verdict.reason
    assert verdict == grader(case, output)
    failing = grade(case, "I don't know.")
    assert not failing.passed and failing == grader(case, "I don't know.")


@pytest.mark.parametrize(("case", "grader", "output"), CASES, ids=[c[0]["category"] for c in CASES])
def test_grading_does_not_change_the_case(case: dict, grader: object, output: str) -> None:
    before = copy.deepcopy(case)
    grade(case, output)
    assert case == before


def test_verdict_to_dict() -> None:
    verdict = grade(CASES[0][0], "Answer: 42")
    assert verdict.to_dict() == {"passed": True, "reason": verdict.reason, "extracted": 42}


@pytest.mark.parametrize("category", ["judge_finetome", "judge_finance"])
def test_judge_categories_are_not_graded_here(category: str) -> None:
    message = f"case jx-1: category {category} is graded by the LLM judge, not by grade()"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        grade({"id": "jx-1", "category": category, "prompt": "Explain bonds."}, "text")


def test_unknown_category_names_the_case_and_category() -> None:
    known = "(graded categories: math, function_calling, situational, mcq)"  # the category table's order
    with pytest.raises(ValueError, match=rf"^case x-1: unknown category 'poetry' {re.escape(known)}$"):
        grade({"id": "x-1", "category": "poetry"}, "text")
    with pytest.raises(ValueError, match=r"^case x-2: unknown category None"):
        grade({"id": "x-2"}, "text")
