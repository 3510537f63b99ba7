"""Function calling: the right tools, with schema-valid arguments that match the accepted values.

Each expected argument lists its accepted values; a null among them means the argument may be
omitted. Calls are matched to expected calls in any order (parallel calls), one to one.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from benchmarks.graders.call_parsing import Call, CallParseError, CallReading, read_calls
from benchmarks.graders.text import shorten
from benchmarks.graders.verdict import Verdict, oversized


def _same_value(got: Any, accepted: Any) -> bool:
    """Numbers by value (5 == 5.0), strings ignoring case and spacing, containers element-wise;
    booleans strictly (True is not 1), and a string is never a number."""
    if isinstance(got, bool) or isinstance(accepted, bool):
        return type(got) is type(accepted) and got == accepted
    if isinstance(got, (int, float)) and isinstance(accepted, (int, float)):
        return abs(got - accepted) <= 1e-9 * max(1.0, abs(accepted))
    if isinstance(got, str) and isinstance(accepted, str):
        return " ".join(got.lower().split()) == " ".join(accepted.lower().split())
    if isinstance(got, list) and isinstance(accepted, list):
        return len(got) == len(accepted) and all(map(_same_value, got, accepted))
    if isinstance(got, dict) and isinstance(accepted, dict):
        return got.keys() == accepted.keys() and all(_same_value(got[k], accepted[k]) for k in got)
    return got is None and accepted is None


def _argument_problem(call: Call, expected: dict[str, Any]) -> str | None:
    """Why `call`'s arguments do not fit `expected` ({name, arguments: {arg: [accepted...]}}), or None."""
    given, wanted, name = call["arguments"], expected["arguments"], call["name"]
    for argument in given:
        if argument not in wanted:
            return f"{name}: unexpected argument {argument!r}"
    for argument, accepted in wanted.items():
        values = [value for value in accepted if value is not None]
        if argument not in given:
            if len(values) == len(accepted):
                return f"{name}: missing argument {argument!r}"
        elif not values:
            return f"{name}: argument {argument!r} should be left out, got {json.dumps(given[argument])}"
        elif not any(_same_value(given[argument], value) for value in values):
            return f"{name}: {argument}={json.dumps(given[argument])} is not one of {json.dumps(values)}"
    return None


def _schema_problem(call: Call, tools: dict[str, dict[str, Any]]) -> str | None:
    """Unknown function, or the first JSON-schema error of its arguments (Draft 2020-12 unless `$schema`)."""
    if call["name"] not in tools:
        return f"unknown function {call['name']!r} (tools: {', '.join(tools) or 'none'})"
    schema = tools[call["name"]].get("parameters") or {"type": "object"}
    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(call["arguments"]))
    if error is None:
        return None
    where = ".".join(str(part) for part in error.absolute_path) or "arguments"
    return f"{call['name']}: {where}: {error.message}"


def _fits(call: Call, expected: dict[str, Any]) -> bool:
    return call["name"] == expected["name"] and _argument_problem(call, expected) is None


def _matching(calls: list[Call], expected: list[dict[str, Any]]) -> dict[int, int]:
    """A maximum one-to-one pairing {expected index: call index} of calls that fit (augmenting paths)."""
    owner: dict[int, int] = {}  # call index -> expected index

    def place(want: int, seen: set[int]) -> bool:
        for index, call in enumerate(calls):
            if index not in seen and _fits(call, expected[want]):
                seen.add(index)
                if index not in owner or place(owner[index], seen):
                    owner[index] = want
                    return True
        return False

    for want in range(len(expected)):
        place(want, set())
    return {want: index for index, want in owner.items()}


def _mismatch(calls: list[Call], expected: list[dict[str, Any]], pairs: dict[int, int]) -> str:
    """Explain the expected calls left unpaired: a same-name call's argument problem, or a missing call;
    then any calls left over."""
    spare = [index for index in range(len(calls)) if index not in pairs.values()]
    problems = []
    for want in (w for w in range(len(expected)) if w not in pairs):
        same_name = [index for index in spare if calls[index]["name"] == expected[want]["name"]]
        if same_name:
            spare.remove(same_name[0])
            problem = _argument_problem(calls[same_name[0]], expected[want])
            problems.append(problem or f"{expected[want]['name']}: the arguments do not fit")
        else:
            problems.append(f"missing call to {expected[want]['name']}")
    problems += [f"extra call to {calls[index]['name']}" for index in spare]
    counts = f" (made {len(calls)} call(s), expected {len(expected)})" if len(calls) != len(expected) else ""
    return "; ".join(problems) + counts


def _render(calls: list[Call]) -> str:
    """Calls as `name(arg=value, ...)` for a reason line."""
    return ", ".join(
        f"{c['name']}({', '.join(f'{k}={json.dumps(v)}' for k, v in c['arguments'].items())})" for c in calls
    )


def _mentioned(reading: CallReading) -> str:
    return "; ".join(reading.mentions)


def _without_calls(case: dict[str, Any], output: str, reading: CallReading) -> Verdict:
    """The verdict when no call was made: right for a no-call case, else a failure saying why."""
    mentioned = _mentioned(reading)
    if not case["expected_calls"]:
        note = f" ({mentioned}, not made)" if mentioned else ""
        return Verdict(True, f"answered in plain text without calling a tool, as expected{note}", [])
    if mentioned:
        return Verdict(False, f"no tool call made: {mentioned}, not made as the answer", [])
    return Verdict(False, f"no tool call found in {shorten(output) or 'an empty output'!r}", [])


def grade_tool_calls(case: dict[str, Any], output: str) -> Verdict:
    """Pass when the calls made in `output` are exactly the expected ones, or none when none is expected."""
    too_long = oversized(output)
    if too_long:
        return too_long
    definitions = [tool.get("function", tool) for tool in case.get("tools", [])]  # OpenAI shape, or bare
    tools = {definition["name"]: definition for definition in definitions}
    try:
        reading = read_calls(output, frozenset(tools))
    except CallParseError as exc:
        return Verdict(False, f"unreadable tool call: {exc}")
    calls, how = reading.calls, reading.rule
    if not calls:
        return _without_calls(case, output, reading)
    expected = case["expected_calls"]
    if not expected:
        called = shorten(_render(calls))
        return Verdict(False, f"no tool fits this request, but the model called {called} ({how})", calls)
    for call in calls:
        problem = _schema_problem(call, tools)
        if problem:
            return Verdict(False, f"invalid call: {problem} ({how})", calls)
    pairs = _matching(calls, expected)
    if len(pairs) == len(expected) == len(calls):
        return Verdict(True, f"called {shorten(_render(calls), 200)} as expected ({how})", calls)
    return Verdict(False, f"{_mismatch(calls, expected, pairs)} ({how})", calls)
