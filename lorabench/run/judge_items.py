"""What a judged case item does with the judge it has: skipped without a judge or past the budget, an
error of the judge (not of the model) when no reply had a score."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lorabench.run.cases import JUDGE_CATEGORIES
from lorabench.run.judging import JUDGE_ERROR, OVER_BUDGET, JudgeVerdict

NO_JUDGE = "no judge configured (--judge)"


class JudgeError(Exception):
    """The judge gave no readable score: an error of the judge, reported as such, not a model failure."""


def unjudged_reason(case: dict[str, Any], has_judge: bool) -> str | None:
    """Why this case is skipped before the model answers it (a judged case without a judge), or None."""
    return NO_JUDGE if case["category"] in JUDGE_CATEGORIES and not has_judge else None


def judge_skip_reason(verdict: JudgeVerdict, budget_text: Callable[[], str]) -> str | None:
    """Why the item is skipped (the judge budget ran out before this answer), or None when its verdict
    can be graded; raises JudgeError when the judge replied without a score."""
    if verdict.status == OVER_BUDGET:
        return budget_text()
    if verdict.status == JUDGE_ERROR:
        raise JudgeError(f"judge error: no score in the judge's {len(verdict.replies)} replies (see the report)")
    return None
