"""Graders: pure functions from (case, model output) to a Verdict with a human-readable reason.

`grade(case, output)` dispatches on the case's category. Model output is only ever parsed, never
evaluated.
"""

from __future__ import annotations

from typing import Any

from benchmarks.graders.choice import grade_choice
from benchmarks.graders.numbers import grade_numeric
from benchmarks.graders.short_answer import grade_short_answer
from benchmarks.graders.tool_calls import grade_tool_calls
from benchmarks.graders.verdict import Verdict

GRADERS = {
    "math": grade_numeric,
    "mcq": grade_choice,
    "function_calling": grade_tool_calls,
    "situational": grade_short_answer,
}
JUDGED = ("judge_finetome", "judge_finance")


def grade(case: dict[str, Any], output: str) -> Verdict:
    """Grade `output` against `case` with its category's rule."""
    category = case.get("category")
    if category in JUDGED:
        raise ValueError(f"case {case.get('id')}: category {category} is graded by the LLM judge, not by grade()")
    if category not in GRADERS:
        raise ValueError(f"case {case.get('id')}: unknown category {category!r}; known: {', '.join(GRADERS)}")
    return GRADERS[category](case, output)


__all__ = ["Verdict", "grade", "grade_choice", "grade_numeric", "grade_short_answer", "grade_tool_calls"]
