"""The evaluator of worked solutions: exact arithmetic, and nothing but arithmetic."""

from __future__ import annotations

import re

import pytest

from benchmarks.arithmetic import WorkError, evaluate


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("640 * 35 / 100", 224),
        ("1 / 3 * 3", 1),
        ("0.1 + 0.2", 0.3),
        ("-(4 - 10) // 4", 1),
        ("17 % 5", 2),
        ("2 ** 10", 1024),
        ("1000 * (1 + 0.05) ** 2", 1102.5),
        ("comb(6, 2) + perm(4, 2) + factorial(4)", 15 + 12 + 24),
        ("round(2 / 3, 2)", 0.67),
        ("max(3, 8) - min(3, 8) + abs(-1)", 6),
        ("sqrt(2) ** 2", pytest.approx(2.0)),
        ("2 ** 0.5", pytest.approx(1.41421356)),
    ],
)
def test_arithmetic_is_evaluated_exactly(expression: str, value: float) -> None:
    assert evaluate(expression) == value


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("__import__('os').system('true')", "Call is not allowed"),
        ("__import__('os')", "function __import__() is not allowed"),
        ("open('x')", "function open() is not allowed"),
        ("x + 1", "Name is not allowed"),
        ("(1).real", "Attribute is not allowed"),
        ("[1, 2][0]", "Subscript is not allowed"),
        ("'a' * 3", "Constant is not allowed"),
        ("True + 1", "Constant is not allowed"),
        ("round(1.5, ndigits=1)", "Call is not allowed"),
        ("2 ** 10 ** 9", "exponent 1000000000 is too large"),
        # A huge negative exponent is as costly (2 ** 10**9 is computed for its reciprocal); -1001 is the
        # smallest one refused, so a guard that checks only positive exponents fails here at once, not hangs.
        ("2 ** -1001", "exponent -1001 is too large"),
        ("1 / 0", "division by zero"),
        ("1 +", "not an expression"),
        ("comb(2.5, 1)", "comb() with 2 argument(s) is not allowed"),
    ],
)
def test_anything_but_arithmetic_is_refused(expression: str, problem: str) -> None:
    with pytest.raises(WorkError, match=re.escape(problem)):
        evaluate(expression)
