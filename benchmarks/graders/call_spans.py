"""Finding the spans of text that hold tool calls, wherever they sit: JSON objects and arrays,
Python dict displays, and pythonic calls.

The scan is bounded (attempts, span length, nesting), so text such as `[[[[...` a hundred thousand
deep or a megabyte of `f(` is read in bounded time; a value inside another value (a call quoted in a
JSON string, say) is never read on its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from benchmarks.graders.call_shapes import MAX_DEPTH, Call, CallParseError, ToolNames, calls_in_value, decode_json
from benchmarks.graders.pythonic_calls import calls_from_python, calls_from_python_literal

MAX_ATTEMPTS = 200
MAX_SPAN_CHARS = 20_000
_START = re.compile(r"[{\[]|(?<![\w.])[A-Za-z_][\w.]*[ \t]*\(")
_BRACKET = re.compile(r"[{\[]")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


@dataclass
class Span:
    """Text at [start, end) that holds calls, or a call that cannot be read (`problem`)."""

    start: int
    end: int
    calls: list[Call] = field(default_factory=list)
    problem: str | None = None


def balanced_end(text: str, start: int) -> int | None:
    """Where the bracket opened at `start` closes (quotes respected), within MAX_SPAN_CHARS; else None."""
    expected: list[str] = []
    quote, index, stop = "", start, min(len(text), start + MAX_SPAN_CHARS)
    while index < stop:
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in _CLOSERS:
            expected.append(_CLOSERS[char])
            if len(expected) > MAX_DEPTH:
                return None
        elif char in ")]}":
            if not expected or expected.pop() != char:
                return None
            if not expected:
                return index + 1
        index += 1
    return None


def _json_span(text: str, start: int, tool_names: ToolNames) -> tuple[int, Span | None] | None:
    """(end, span) for a JSON value at `start` (span None for data); None when no JSON starts there."""
    try:
        value, end = decode_json(text, start)
    except json.JSONDecodeError:
        return None
    except CallParseError as exc:  # valid-looking JSON holding a value no grader can compare
        end = balanced_end(text, start) or start + 1
        return end, Span(start, end, problem=str(exc))
    try:
        calls = calls_in_value(value, tool_names)
    except CallParseError as exc:
        return end, Span(start, end, problem=str(exc))
    return end, (Span(start, end, calls) if calls else None)


def _python_span(text: str, start: int, tool_names: ToolNames) -> tuple[int, Span | None] | None:
    """(end, span) for a pythonic call, list of calls or Python dict at `start`; None when there is none."""
    opening = text.find("(", start) if text[start] not in "[{" else start
    end = balanced_end(text, opening)
    if end is None:
        return None
    source = text[start:end]
    try:
        if text[start] == "{":
            calls = calls_from_python_literal(source, tool_names)
        else:
            calls = calls_from_python(source, tool_names) or calls_from_python_literal(source, tool_names)
    except CallParseError as exc:
        return end, Span(start, end, problem=str(exc))
    return (end, Span(start, end, calls)) if calls else None


def find_spans(text: str, tool_names: ToolNames) -> list[Span]:
    """Every span holding calls (or an unreadable call), in order and never nested."""
    spans: list[Span] = []
    index, attempts = 0, 0
    while attempts < MAX_ATTEMPTS and (match := _START.search(text, index)):
        attempts += 1
        start = match.start()
        found = _json_span(text, start, tool_names) if text[start] in "[{" else None
        if found is None:
            found = _python_span(text, start, tool_names)
        if found is None:
            index = start + 1
            continue
        end, span = found
        if span is not None:
            spans.append(span)
        index = max(end, start + 1)
    return spans


def outside_json(text: str) -> str:
    """`text` without its well-formed JSON values: where a broken call-like object can still be seen."""
    pieces, index, attempts = [], 0, 0
    while attempts < MAX_ATTEMPTS and (match := _BRACKET.search(text, index)):
        attempts += 1
        try:
            end = decode_json(text, match.start())[1]
        except (json.JSONDecodeError, CallParseError):
            pieces.append(text[index : match.start() + 1])
            index = match.start() + 1
            continue
        pieces.append(text[index : match.start()])
        index = end
    return "".join(pieces) + text[index:]
