"""Graders: pure functions from (case, model output) to a Verdict with a human-readable reason.

`grade(case, output)` grades with the case's category's grader from the category table
(`benchmarks/categories.py`), the same grader the benchmark test module uses. Model output is only ever
parsed, never evaluated.
"""

from __future__ import annotations

from typing import Any

from benchmarks.graders.choice import grade_choice
from benchmarks.graders.numbers import grade_numeric
from benchmarks.graders.short_answer import grade_short_answer
from benchmarks.graders.tool_calls import grade_tool_calls
from benchmarks.graders.verdict import Verdict


def grade(case: dict[str, Any], output: str) -> Verdict:
    """Grade `output` against `case` with its category's rule; judged categories are refused, since
    silently passing or failing them here would hide a missing judge."""
    from benchmarks.categories import CATEGORIES  # the table imports the graders of this package

    case_id, category = case.get("id"), case.get("category")
    row = CATEGORIES.get(category) if isinstance(category, str) else None
    if row is None:
        known = ", ".join(name for name, graded in CATEGORIES.items() if not graded.judged)
        raise ValueError(f"case {case_id}: unknown category {category!r} (graded categories: {known})")
    if row.grader is None:
        raise ValueError(f"case {case_id}: category {category} is graded by the LLM judge, not by grade()")
    return row.grader(case, output)


__all__ = ["Verdict", "grade", "grade_choice", "grade_numeric", "grade_short_answer", "grade_tool_calls"]
