"""grade(): the public entry point dispatches on category and refuses what it cannot grade."""

from __future__ import annotations

import pytest

from benchmarks.graders import Verdict, grade


def test_dispatch_by_category() -> None:
    verdict = grade({"id": "m", "category": "math", "answer": 3}, "Answer: 3")
    assert isinstance(verdict, Verdict) and verdict.passed
    assert verdict.to_dict() == {"passed": True, "reason": verdict.reason, "extracted": 3}


def test_judge_categories_are_not_graded_here() -> None:
    with pytest.raises(ValueError, match="case ft-1: category judge_finetome is graded by the LLM judge"):
        grade({"id": "ft-1", "category": "judge_finetome"}, "text")


def test_unknown_category_names_the_case() -> None:
    with pytest.raises(ValueError, match="case x-1: unknown category 'poetry'"):
        grade({"id": "x-1", "category": "poetry"}, "text")
