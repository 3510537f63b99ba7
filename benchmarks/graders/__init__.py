"""Graders: pure functions from (case, model output) to a Verdict with a human-readable reason.

`grade(case, output)` dispatches on the case's category. Model output is only ever parsed, never
evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.graders.choice import grade_choice
from benchmarks.graders.numbers import grade_numeric
from benchmarks.graders.short_answer import grade_short_answer
from benchmarks.graders.tool_calls import grade_tool_calls
from benchmarks.graders.verdict import Verdict

GRADERS: dict[str, Callable[[dict[str, Any], str], Verdict]] = {
    "math": grade_numeric,
    "mcq": grade_choice,
    "function_calling": grade_tool_calls,
    "situational": grade_short_answer,
}
JUDGED = ("judge_finetome", "judge_finance")


def grade(case: dict[str, Any], output: str) -> Verdict:
    """Grade `output` against `case` with its category's rule; judged categories are refused, since
    silently passing or failing them here would hide a missing judge."""
    case_id, category = case.get("id"), case.get("category")
    if category in JUDGED:
        raise ValueError(f"case {case_id}: category {category} is graded by the LLM judge, not by grade()")
    if category not in GRADERS:
        known = ", ".join(GRADERS)
        raise ValueError(f"case {case_id}: unknown category {category!r} (graded categories: {known})")
    return GRADERS[category](case, output)


__all__ = ["Verdict", "grade", "grade_choice", "grade_numeric", "grade_short_answer", "grade_tool_calls"]
