"""Tool-call grader: parsing (never eval), schema validation, accepted values, order-free matching."""

from __future__ import annotations

import json

import pytest

from benchmarks.graders import grade_tool_calls

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "required": ["city"],
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer", "minimum": 1},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Local time in a time zone.",
        "parameters": {"type": "object", "required": ["timezone"], "properties": {"timezone": {"type": "string"}}},
    },
}

CASE = {
    "id": "fc-x",
    "category": "function_calling",
    "tools": [WEATHER, TIME],
    "expected_calls": [
        {
            "name": "get_weather",
            "arguments": {"city": ["Paris", "Paris, France"], "days": [3], "unit": [None, "celsius"]},
        }
    ],
}
PARALLEL = {
    **CASE,
    "expected_calls": [
        {"name": "get_weather", "arguments": {"city": ["Oslo"]}},
        {"name": "get_time", "arguments": {"timezone": ["Europe/Oslo", "CET"]}},
    ],
}
NO_CALL = {**CASE, "expected_calls": []}


def call(name: str, **arguments: object) -> dict:
    return {"name": name, "arguments": arguments}


@pytest.mark.parametrize(
    "output",
    [
        json.dumps(call("get_weather", city="Paris", days=3)),
        json.dumps([call("get_weather", city="paris,  FRANCE", days=3.0, unit="celsius")]),
        "```json\n" + json.dumps(call("get_weather", city="Paris", days=3)) + "\n```",
        "<|python_tag|>" + json.dumps({"name": "get_weather", "parameters": {"city": "Paris", "days": 3}}),
        '[get_weather(city="Paris", days=3)]',
        'get_weather(city="Paris", days=3, unit="celsius")',
        "Sure, calling it now: " + json.dumps(call("get_weather", city="Paris", days=3)),
        json.dumps(
            {"type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris", "days": 3}'}}
        ),
    ],
)
def test_accepted_single_call_passes(output: str) -> None:
    verdict = grade_tool_calls(CASE, output)
    assert verdict.passed, verdict.reason
    assert verdict.extracted[0]["name"] == "get_weather"


def test_parallel_calls_in_any_order() -> None:
    output = json.dumps([call("get_time", timezone="CET"), call("get_weather", city="Oslo")])
    assert grade_tool_calls(PARALLEL, output).passed
    pythonic = '[get_time(timezone="Europe/Oslo"), get_weather(city="Oslo")]'
    assert grade_tool_calls(PARALLEL, pythonic).passed


@pytest.mark.parametrize(
    ("output", "reason_part"),
    [
        (json.dumps(call("get_forecast", city="Paris", days=3)), "unknown function 'get_forecast'"),
        (json.dumps(call("get_weather", city="Lyon", days=3)), 'city="Lyon" is not one of'),
        (json.dumps(call("get_weather", city="Paris", days="3")), "'3' is not of type 'integer'"),
        (json.dumps(call("get_weather", city="Paris", days=3, unit="kelvin")), "is not one of ['celsius'"),
        (json.dumps(call("get_weather", city="Paris")), "missing argument 'days'"),
        (json.dumps(call("get_weather", city="Paris", days=3, hourly=True)), "unexpected argument 'hourly'"),
        (json.dumps([call("get_weather", city="Paris", days=3), call("get_time", timezone="CET")]), "made 2 call(s)"),
        ('{"name": "get_weather", "arguments": {"city": "Paris"', "not valid JSON"),
        ("It will be sunny in Paris.", "no tool call found"),
        (json.dumps(call("get_time", timezone="CET")), "expected get_weather, got get_time"),
    ],
)
def test_wrong_calls_fail_with_a_reason(output: str, reason_part: str) -> None:
    verdict = grade_tool_calls(CASE, output)
    assert not verdict.passed
    assert reason_part in verdict.reason


def test_missing_parallel_call_fails() -> None:
    verdict = grade_tool_calls(PARALLEL, json.dumps(call("get_weather", city="Oslo")))
    assert not verdict.passed and "made 1 call(s)" in verdict.reason


def test_booleans_are_not_numbers() -> None:
    case = {**CASE, "expected_calls": [{"name": "get_weather", "arguments": {"city": ["Paris"], "days": [1]}}]}
    assert grade_tool_calls(case, json.dumps(call("get_weather", city="Paris", days=1))).passed
    assert not grade_tool_calls(case, 'get_weather(city="Paris", days=True)').passed


def test_no_call_case_passes_on_plain_text_and_fails_on_any_call() -> None:
    assert grade_tool_calls(NO_CALL, "I can't help with stock prices using these tools.").passed
    verdict = grade_tool_calls(NO_CALL, json.dumps(call("get_weather", city="Paris")))
    assert not verdict.passed and "no tool fits" in verdict.reason


def test_code_in_pythonic_calls_is_rejected_not_run(tmp_path: object) -> None:
    marker = f"{tmp_path}/ran"
    for output in [f"[__import__('os').system('touch {marker}')]", f"get_weather(city=open('{marker}', 'w'))"]:
        verdict = grade_tool_calls(CASE, output)
        assert not verdict.passed and verdict.reason.startswith("unreadable tool call")
    import os

    assert not os.path.exists(marker)
