"""Function calling: the right tools, with schema-valid arguments that match the accepted values."""

from __future__ import annotations

import itertools
import json
from typing import Any

import jsonschema

from benchmarks.graders.call_parsing import Call, CallParseError, parse_calls
from benchmarks.graders.text import shorten
from benchmarks.graders.verdict import Verdict


def _same_value(got: Any, accepted: Any) -> bool:
    """Numbers by value, strings ignoring case and spacing, containers element-wise; bools strictly."""
    if isinstance(got, bool) or isinstance(accepted, bool):
        return type(got) is type(accepted) and got == accepted
    if isinstance(got, (int, float)) and isinstance(accepted, (int, float)):
        return abs(float(got) - float(accepted)) <= 1e-9 * max(1.0, abs(float(accepted)))
    if isinstance(got, str) and isinstance(accepted, str):
        return " ".join(got.lower().split()) == " ".join(accepted.lower().split())
    if isinstance(got, list) and isinstance(accepted, list):
        return len(got) == len(accepted) and all(map(_same_value, got, accepted))
    if isinstance(got, dict) and isinstance(accepted, dict):
        return got.keys() == accepted.keys() and all(_same_value(got[k], accepted[k]) for k in got)
    return got is None and accepted is None


def _argument_problem(call: Call, expected: dict[str, Any]) -> str | None:
    """Why `call`'s arguments do not match `expected` ({name, arguments: {arg: [accepted]}}), or None."""
    arguments = call["arguments"]
    for name in arguments:
        if name not in expected["arguments"]:
            return f"{call['name']}: unexpected argument {name!r}"
    for name, accepted in expected["arguments"].items():
        if name not in arguments:
            if None not in accepted:
                return f"{call['name']}: missing argument {name!r}"
            continue
        if not any(_same_value(arguments[name], value) for value in accepted if value is not None):
            shown = [value for value in accepted if value is not None]
            return f"{call['name']}: {name}={json.dumps(arguments[name])} is not one of {json.dumps(shown)}"
    return None


def _schema_problem(call: Call, tools: dict[str, dict[str, Any]]) -> str | None:
    if call["name"] not in tools:
        return f"unknown function {call['name']!r} (tools: {', '.join(tools)})"
    schema = tools[call["name"]]["parameters"]
    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(call["arguments"]))
    if error is None:
        return None
    where = ".".join(str(p) for p in error.absolute_path) or "arguments"
    return f"{call['name']}: {where}: {error.message}"


def _match_problem(calls: list[Call], expected: list[dict[str, Any]]) -> str | None:
    """None when some pairing of calls with expected calls (order free) matches every one."""
    if len(calls) != len(expected):
        names = [c["name"] for c in calls]
        wanted = [e["name"] for e in expected]
        return f"made {len(calls)} call(s) {names}, expected {len(expected)} {wanted}"
    first_problem = None
    for order in itertools.permutations(calls):
        problems = [
            f"expected {want['name']}, got {got['name']}"
            if got["name"] != want["name"]
            else _argument_problem(got, want)
            for got, want in zip(order, expected, strict=True)
        ]
        if not any(problems):
            return None
        first_problem = first_problem or next(p for p in problems if p)
    return first_problem


def grade_tool_calls(case: dict[str, Any], output: str) -> Verdict:
    """Pass when the calls parsed from `output` are exactly the expected ones (or none, when none fits)."""
    try:
        calls = parse_calls(output)
    except CallParseError as exc:
        return Verdict(False, f"unreadable tool call: {exc}")
    expected = case["expected_calls"]
    if not expected:
        if calls:
            return Verdict(
                False, f"no tool fits this request, but the model called {[c['name'] for c in calls]}", calls
            )
        return Verdict(True, "answered in plain text without calling a tool, as expected", [])
    if not calls:
        return Verdict(False, f"no tool call found in {shorten(output) or 'an empty output'!r}", [])
    tools = {tool["function"]["name"]: tool["function"] for tool in case["tools"]}
    for call in calls:
        problem = _schema_problem(call, tools)
        if problem:
            return Verdict(False, f"invalid call: {problem}", calls)
    problem = _match_problem(calls, expected)
    if problem:
        return Verdict(False, problem, calls)
    return Verdict(True, f"called {', '.join(c['name'] for c in calls)} with accepted arguments", calls)
