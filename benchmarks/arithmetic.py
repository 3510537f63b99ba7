"""A safe evaluator for the worked solutions (`work`) of math cases: numbers and arithmetic only.

The expression is parsed with `ast` and walked node by node; names, calls other than a few pure
functions, attributes and subscripts are refused, so a case file can never run code. Evaluation uses
exact fractions, so `1 / 3 * 3` is exactly 1 and a case's answer is compared without float noise.
"""

from __future__ import annotations

import ast
import math
import operator
from fractions import Fraction

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
FUNCTIONS = ("round", "min", "max", "abs", "sqrt", "comb", "perm", "factorial")
MAX_EXPONENT = 1000  # 2 ** 10**9 would hang the test run


class WorkError(ValueError):
    """The expression is not plain arithmetic, or cannot be evaluated."""


def _power(base: Fraction | float, exponent: Fraction | float) -> Fraction | float:
    if isinstance(exponent, Fraction) and exponent.denominator == 1:
        if abs(exponent) > MAX_EXPONENT:
            raise WorkError(f"exponent {exponent} is too large")
        return base ** int(exponent)
    return float(base) ** float(exponent)  # roots and fractional powers (compound growth) are inexact


def _call(name: str, arguments: list[Fraction | float]) -> Fraction | float:
    """The few pure functions worked solutions need."""
    if name == "round" and len(arguments) in (1, 2):
        digits = int(arguments[1]) if len(arguments) == 2 else 0
        return Fraction(round(Fraction(arguments[0]), digits))
    if name in ("min", "max") and arguments:
        return (min if name == "min" else max)(arguments)
    if name == "abs" and len(arguments) == 1:
        return abs(arguments[0])
    if name == "sqrt" and len(arguments) == 1:
        return math.sqrt(arguments[0])
    if name in ("comb", "perm", "factorial") and all(isinstance(a, Fraction) and a.denominator == 1 for a in arguments):
        return Fraction(getattr(math, name)(*(int(a) for a in arguments)))
    raise WorkError(f"function {name}() with {len(arguments)} argument(s) is not allowed")


def _value(node: ast.AST) -> Fraction | float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return Fraction(node.value) if isinstance(node.value, int) else Fraction(str(node.value))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_value(node.left), _value(node.right))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return _power(_value(node.left), _value(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_value(node.operand))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id not in FUNCTIONS:
            raise WorkError(f"function {node.func.id}() is not allowed (allowed: {', '.join(FUNCTIONS)})")
        return _call(node.func.id, [_value(argument) for argument in node.args])
    raise WorkError(f"{type(node).__name__} is not allowed in a worked solution")


def evaluate(expression: str) -> float:
    """The value of an arithmetic expression such as `640 * 35 / 100` or `1200 * (1 + 0.05) ** 3`."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise WorkError(f"not an expression: {exc.msg}") from None
    try:
        return float(_value(tree.body))
    except ZeroDivisionError:
        raise WorkError("division by zero") from None
