"""The pythonic call form, `f(a=1)` or `[f(a=1), g(b=2)]`, read with `ast` and never run.

`ast.parse` gives the syntax tree and `ast.literal_eval` reads each keyword value, so
`[__import__('os').system('x')]` is refused as "not a call by name", not executed. The same
literal reader takes a Python dict written in place of JSON (`{'name': 'f', 'arguments': {...}}`).
"""

from __future__ import annotations

import ast
import math
import re
from typing import Any, ClassVar

from benchmarks.graders.call_shapes import (
    MAX_INT_DIGITS,
    Call,
    CallParseError,
    OutOfRange,
    ToolNames,
    calls_in_value,
    check_depth,
)
from benchmarks.graders.text import shorten

CALL_START = re.compile(r"\[?\s*[A-Za-z_][\w.]*\s*\(")
_PARSE_ERRORS = (SyntaxError, ValueError, TypeError, MemoryError, RecursionError, OverflowError)


class Prose(Exception):
    """Text shaped like a call to something that is not a tool: "Thursday (1776)", "Euro (EUR)"."""


def _parse(text: str) -> ast.expr | None:
    try:
        return ast.parse(text, mode="eval").body
    except _PARSE_ERRORS:  # includes NUL bytes, lone surrogates, nesting beyond the parser's limit
        return None


def _dotted_name(node: ast.expr) -> str | None:
    """`get_weather` or `tools.get_weather`; None for anything computed, such as `__import__('os').system`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _dotted_name(node.value)
        return None if owner is None else f"{owner}.{node.attr}"
    return None


class _JsonLiterals(ast.NodeTransformer):
    """`true`, `false` and `null` as Python constants: models mix JSON literals into pythonic calls."""

    VALUES: ClassVar[dict[str, Any]] = {"true": True, "false": False, "null": None}

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return ast.Constant(self.VALUES[node.id]) if node.id in self.VALUES else node


def as_json(value: Any) -> Any:
    """`value` as JSON data; TypeError for Python-only literals (sets, bytes, complex, non-string
    keys), OutOfRange for numbers no grader can compare."""
    if isinstance(value, float) and not math.isfinite(value):
        raise OutOfRange(f"the number {value} is out of range")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_DIGITS * 3.33:
        raise OutOfRange("a number with hundreds of digits is out of range")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [as_json(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: as_json(item) for key, item in value.items()}
    raise TypeError(type(value).__name__)


def literal(node: ast.expr) -> Any:
    """A literal's value as JSON data (tuples become lists); CallParseError when it is not a literal."""
    try:
        return check_depth(as_json(ast.literal_eval(_JsonLiterals().visit(node))))
    except OutOfRange:
        raise
    except _PARSE_ERRORS:
        raise CallParseError(f"argument value {shorten(ast.unparse(node), 60)!r} is not a JSON-like literal") from None


def _pythonic_call(node: ast.expr, tool_names: ToolNames) -> Call:
    """One `name(key=literal, ...)` call; anything else is refused, not run. Positional arguments to a
    name that is not one of `tool_names` are prose, not a broken call."""
    name = _dotted_name(node.func) if isinstance(node, ast.Call) else None
    if isinstance(node, ast.Call) and node.args and name is not None and tool_names is not None:
        if name not in tool_names:
            raise Prose
    if not isinstance(node, ast.Call) or name is None or node.args:
        raise CallParseError(f"{shorten(ast.unparse(node), 60)!r} is not a call by name with keyword arguments")
    arguments: dict[str, Any] = {}
    for keyword in node.keywords:
        if keyword.arg is None or keyword.arg in arguments:
            raise CallParseError(f"{name}: '**' or a repeated keyword is not a plain argument list")
        arguments[keyword.arg] = literal(keyword.value)
    return {"name": name, "arguments": arguments}


def calls_from_python(text: str, tool_names: ToolNames) -> list[Call] | None:
    """Calls when all of `text` is `f(a=1)` or `[f(a=1), g(b=2)]`; None when it is not Python of that
    shape (or is prose such as "Paris (France)"); CallParseError when it is such Python but not plain
    calls with literal arguments."""
    stripped = text.strip().rstrip(";").strip()
    if not CALL_START.match(stripped):
        return None
    tree = _parse(stripped)
    if tree is None:
        return None
    nodes = tree.elts if isinstance(tree, (ast.List, ast.Tuple)) else [tree]
    try:
        return [_pythonic_call(node, tool_names) for node in nodes]
    except Prose:
        return None
    except RecursionError:
        raise OutOfRange("a call nested too deeply to read") from None


def calls_from_python_literal(text: str, tool_names: ToolNames) -> list[Call] | None:
    """Calls written as a Python dict or list display (single quotes, True/None) instead of JSON."""
    tree = _parse(text)
    if tree is None or not isinstance(tree, (ast.Dict, ast.List)):
        return None
    try:
        value = literal(tree)
    except OutOfRange:
        raise
    except CallParseError:
        return None
    return calls_in_value(value, tool_names)
