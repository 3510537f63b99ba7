"""Tool-call grader: parsing (never eval), schema validation, accepted values, order-free matching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.graders import grade, grade_tool_calls
from benchmarks.graders.call_parsing import CallParseError, parse_calls


def tool(name: str, properties: dict, required: list[str], **schema: object) -> dict:
    parameters = {"type": "object", "properties": properties, "required": required, **schema}
    return {
        "type": "function",
        "function": {"name": name, "description": f"{name}.", "parameters": parameters},
    }


WEATHER = tool(
    "get_weather",
    {
        "city": {"type": "string"},
        "days": {"type": "integer", "minimum": 1},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "hourly": {"type": "boolean"},
    },
    ["city"],
)
TIME = tool("get_time", {"timezone": {"type": "string"}}, ["timezone"])
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


PARIS = json.dumps(call("get_weather", city="Paris", days=3))


@pytest.mark.parametrize(
    "output",
    [
        PARIS,
        f"[{PARIS}]",
        json.dumps([call("get_weather", city="  paris,   FRANCE ", days=3.0, unit="celsius")]),
        f"```json\n{PARIS}\n```",
        f"Sure, here is the call:\n```\n{PARIS}\n```\nLet me know if you need more.",
        f"<|python_tag|>{PARIS}<|eom_id|>",
        "<|python_tag|>" + json.dumps({"name": "get_weather", "parameters": {"city": "Paris", "days": 3}}),
        f"<tool_call>\n{PARIS}\n</tool_call>",
        f"Calling the weather tool now: {PARIS}",
        json.dumps({"name": "get_weather", "arguments": json.dumps({"city": "Paris", "days": 3})}),
        json.dumps(
            {
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris", "days": 3}'},
            }
        ),
        json.dumps({"tool_calls": [{"id": "c1", "type": "function", "function": json.loads(PARIS)}]}),
        '[get_weather(city="Paris", days=3)]',
        "get_weather(city='Paris', days=3, unit='celsius')",
        '<|python_tag|>[get_weather(city="Paris", days=3)]<|eot_id|>',
        'Here is the function call: [get_weather(city="Paris", days=3)].',
    ],
)
def test_accepted_single_call_passes(output: str) -> None:
    verdict = grade_tool_calls(CASE, output)
    assert verdict.passed, verdict.reason
    assert verdict.extracted == [{"name": "get_weather", "arguments": verdict.extracted[0]["arguments"]}]
    assert verdict.extracted[0]["arguments"]["days"] == 3


def test_pass_reason_shows_the_call() -> None:
    assert grade_tool_calls(CASE, PARIS).reason == (
        'called get_weather(city="Paris", days=3) as expected (the whole answer)'
    )


@pytest.mark.parametrize(
    "output",
    [
        json.dumps([call("get_time", timezone="CET"), call("get_weather", city="Oslo")]),
        '[get_time(timezone="Europe/Oslo"), get_weather(city="Oslo")]',
        json.dumps(call("get_time", timezone="CET")) + "; " + json.dumps(call("get_weather", city="Oslo")),
        json.dumps(call("get_time", timezone="CET")) + "\n" + json.dumps(call("get_weather", city="Oslo")),
        "<tool_call>" + json.dumps(call("get_weather", city="Oslo")) + "</tool_call>\n"
        "<tool_call>" + json.dumps(call("get_time", timezone="cet")) + "</tool_call>",
    ],
)
def test_parallel_calls_in_any_order(output: str) -> None:
    verdict = grade_tool_calls(PARALLEL, output)
    assert verdict.passed, verdict.reason
    assert sorted(c["name"] for c in verdict.extracted) == ["get_time", "get_weather"]


def test_matching_is_one_to_one_not_greedy() -> None:
    either = {"name": "get_weather", "arguments": {"city": ["Oslo", "Paris"]}}
    only_paris = {"name": "get_weather", "arguments": {"city": ["Paris"]}}
    case = {**CASE, "expected_calls": [either, only_paris]}
    assert grade_tool_calls(case, '[get_weather(city="Paris"), get_weather(city="Oslo")]').passed
    verdict = grade_tool_calls(case, '[get_weather(city="Oslo"), get_weather(city="Oslo")]')
    assert not verdict.passed and 'city="Oslo" is not one of ["Paris"]' in verdict.reason


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (
            json.dumps(call("get_forecast", city="Paris", days=3)),
            "invalid call: unknown function 'get_forecast'",
        ),
        (json.dumps(call("get_weather", city="Lyon", days=3)), 'get_weather: city="Lyon" is not one of'),
        (json.dumps(call("get_weather", city="Paris", days=4)), "get_weather: days=4 is not one of [3]"),
        (json.dumps(call("get_weather", city="Paris", days="3")), "days: '3' is not of type 'integer'"),
        (json.dumps(call("get_weather", city="Paris", days=0)), "days: 0 is less than the minimum of 1"),
        (json.dumps(call("get_weather", city="Paris", days=3, unit="kelvin")), "'kelvin' is not one of"),
        (json.dumps(call("get_weather", days=3)), "'city' is a required property"),
        (json.dumps(call("get_weather", city="Paris")), "missing argument 'days'"),
        (
            json.dumps(call("get_weather", city="Paris", days=3, hourly=True)),
            "get_weather: unexpected argument 'hourly'",
        ),
        (
            json.dumps([json.loads(PARIS), call("get_time", timezone="CET")]),
            "extra call to get_time (made 2 call(s), expected 1)",
        ),
        (json.dumps(call("get_time", timezone="CET")), "missing call to get_weather; extra call to get_time"),
        ('{"name": "get_weather", "arguments": {"city": "Paris"', "unreadable tool call"),
        (
            '{"name": "get_weather", "arguments": "{city: Paris}"}',
            "arguments of get_weather are not valid JSON",
        ),
        ("It will be sunny in Paris.", "no tool call found"),
        ("", "no tool call found"),
    ],
)
def test_wrong_calls_fail_with_a_reason(output: str, reason: str) -> None:
    verdict = grade_tool_calls(CASE, output)
    assert not verdict.passed
    assert reason in verdict.reason


def test_missing_parallel_call_fails() -> None:
    verdict = grade_tool_calls(PARALLEL, json.dumps(call("get_weather", city="Oslo")))
    assert not verdict.passed
    assert verdict.reason == "missing call to get_time (made 1 call(s), expected 2) (the whole answer)"


def test_optional_argument_may_be_omitted_only_when_null_is_accepted() -> None:
    assert grade_tool_calls(CASE, 'get_weather(city="Paris", days=3)').passed
    assert grade_tool_calls(CASE, 'get_weather(city="Paris", days=3, unit="celsius")').passed
    assert not grade_tool_calls(CASE, 'get_weather(city="Paris", days=3, unit="fahrenheit")').passed
    only_city = {"name": "get_weather", "arguments": {"city": ["Paris"], "unit": [None]}}
    leave_out = {**CASE, "expected_calls": [only_city]}
    assert grade_tool_calls(leave_out, 'get_weather(city="Paris")').passed
    verdict = grade_tool_calls(leave_out, 'get_weather(city="Paris", unit="celsius")')
    assert not verdict.passed and "argument 'unit' should be left out" in verdict.reason


def test_values_compare_by_type_then_value() -> None:
    anything = tool("log", {"value": {}}, ["value"])
    expect = {"id": "fc-v", "category": "function_calling", "tools": [anything]}

    def passes(accepted: list, output: str) -> bool:
        case = {**expect, "expected_calls": [{"name": "log", "arguments": {"value": accepted}}]}
        return grade_tool_calls(case, output).passed

    assert passes([5], "log(value=5.0)")
    assert passes([2.5], "log(value=2.5)")
    assert passes([-3], "log(value=-3)")
    assert not passes([5], "log(value='5')")
    assert not passes(["5"], "log(value=5)")
    assert passes([1], "log(value=1)")
    assert not passes([1], "log(value=True)")
    assert not passes([True], "log(value=1)")
    assert passes([False], "log(value=False)")
    assert passes(["New  York"], "log(value=' new york ')")
    assert not passes(["New York"], "log(value='Newark')")
    assert passes([["A", 1]], "log(value=['a', 1.0])")
    assert not passes([["a", "b"]], "log(value=['b', 'a'])")
    assert passes([{"k": "V", "n": [2]}], "log(value={'n': [2], 'k': 'v'})")
    assert not passes([{"k": "v"}], "log(value={'k': 'v', 'extra': 1})")


def test_no_call_case_passes_on_plain_text_and_fails_on_any_call() -> None:
    verdict = grade_tool_calls(NO_CALL, "I can't look up stock prices with these tools.")
    assert verdict.passed and verdict.extracted == []
    for output in [PARIS, 'get_time(timezone="CET")', f"```json\n[{PARIS}]\n```"]:
        verdict = grade_tool_calls(NO_CALL, output)
        assert not verdict.passed and "no tool fits this request, but the model called" in verdict.reason


def test_json_data_that_is_not_a_call_is_plain_text() -> None:
    assert parse_calls('The city record is {"name": "Paris", "country": "France"}.') == []
    assert grade_tool_calls(NO_CALL, 'Paris: {"name": "Paris", "population": 2102650}').passed


@pytest.mark.parametrize(
    "output",
    [
        "[__import__('os').system('touch {marker}')]",
        "get_weather(city=open('{marker}', 'w').name, days=3)",
        "get_weather(city=__import__('os').system('touch {marker}'), days=3)",
        "get_weather('Paris', 3)",
        "get_weather(**{{'city': 'Paris', 'days': 3}})",
        "get_weather(city='Paris', city='Lyon', days=3)",
        "[get_weather(city='Paris', days=3), 42]",
        "get_weather(city={{'Paris'}}, days=3)",
        "get_weather(city=b'Paris', days=3)",
        "get_weather(city='Paris', days=3) + open('{marker}', 'w')",
    ],
)
def test_code_in_pythonic_calls_is_rejected_not_run(output: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    verdict = grade_tool_calls(CASE, output.format(marker=marker))
    assert not verdict.passed and verdict.reason.startswith("unreadable tool call")
    assert not marker.exists()


def test_pythonic_literals_of_every_kind() -> None:
    output = "[f(a=[1, 'x'], b={'k': None}, c=-2.5, d=True, e=None, t=(1, 2)), g()]"
    assert parse_calls(output) == [
        {
            "name": "f",
            "arguments": {"a": [1, "x"], "b": {"k": None}, "c": -2.5, "d": True, "e": None, "t": [1, 2]},
        },
        {"name": "g", "arguments": {}},
    ]


def test_schema_draft_is_taken_from_the_schema() -> None:
    point = tool(
        "plot",
        {
            "xy": {
                "type": "array",
                "items": [{"type": "number"}, {"type": "number"}],
                "additionalItems": False,
            }
        },
        ["xy"],
        **{"$schema": "http://json-schema.org/draft-07/schema#"},
    )
    case = {"id": "fc-d", "category": "function_calling", "tools": [point], "expected_calls": []}
    case["expected_calls"] = [{"name": "plot", "arguments": {"xy": [[1, 2]]}}]
    assert grade_tool_calls(case, "plot(xy=[1, 2])").passed
    verdict = grade_tool_calls(case, "plot(xy=[1, 2, 3])")
    assert not verdict.passed and "Additional items are not allowed" in verdict.reason


def test_verdict_is_json_serialisable() -> None:
    for output in [PARIS, "plain text", "get_weather('x')", "[get_weather(city='Paris', days=3)]"]:
        json.dumps(grade_tool_calls(CASE, output).to_dict())


def test_a_plain_line_shaped_like_a_call_to_no_tool_is_prose() -> None:
    for output in ["July 4, 1776 was a Thursday.\nThursday (1776)", "The new currency:\nEuro (EUR)", "Paris (France)"]:
        verdict = grade_tool_calls(NO_CALL, output)
        assert verdict.passed, verdict.reason
    verdict = grade_tool_calls(CASE, "get_weather('Paris', 3)")
    assert not verdict.passed and "is not a call by name with keyword arguments" in verdict.reason


def test_json_literals_inside_a_pythonic_call_are_read_as_json() -> None:
    assert parse_calls("[f(flag=true, off=false, nothing=null, items=[true])]") == [
        {"name": "f", "arguments": {"flag": True, "off": False, "nothing": None, "items": [True]}}
    ]
    with pytest.raises(CallParseError, match="'maybe' is not a JSON-like literal"):
        parse_calls("[f(flag=maybe)]")


@pytest.mark.parametrize(
    "output",
    [
        '<tool_call>\n[get_weather(city="Oslo"),\n get_time(timezone="CET")]\n</tool_call>\nBoth are needed.',
        "<tool_call>" + json.dumps(call("get_weather", city="Oslo")) + "</tool_call>\n"
        "<tool_call>" + json.dumps(call("get_time", timezone="cet")) + "</tool_call>\n"
        'The reply will look like {"name": "get_time", "arguments": {"timezone": "CET"}, "time": "09:00"}.',
    ],
)
def test_a_tool_call_block_ends_at_its_closing_tag(output: str) -> None:
    """What follows `</tool_call>` is prose, not more of the call: it neither breaks the block's calls nor
    adds calls of its own."""
    verdict = grade_tool_calls(PARALLEL, output)
    assert verdict.passed, verdict.reason
    assert sorted(c["name"] for c in verdict.extracted) == ["get_time", "get_weather"]


BARE = {
    **CASE,
    "tools": [WEATHER["function"], {"name": "ping", "description": "Ping."}],  # definitions without the wrapper
    "expected_calls": [{"name": "ping", "arguments": {}}],
}
LEFT_OUT = {**CASE, "expected_calls": [{"name": "get_weather", "arguments": {"city": ["Paris"], "unit": [None]}}]}
PARIS_3 = json.dumps(call("get_weather", city="Paris", days=3))


@pytest.mark.parametrize(
    ("case", "output", "passed", "reason", "calls"),
    [
        (NO_CALL, "It is sunny, I think.", True, "answered in plain text without calling a tool, as expected", 0),
        (
            NO_CALL,
            PARIS_3,
            False,
            'no tool fits this request, but the model called get_weather(city="Paris", days=3) (the whole answer)',
            1,
        ),
        (CASE, "", False, "no tool call found in 'an empty output'", 0),
        (
            CASE,
            json.dumps(call("get_forecast", city="Paris")),
            False,
            "invalid call: unknown function 'get_forecast' (tools: get_weather, get_time) (the whole answer)",
            1,
        ),
        (
            {**BARE, "tools": []},
            '{"name": "pong", "arguments": {}}',
            False,
            "invalid call: unknown function 'pong' (tools: none) (the whole answer)",
            1,
        ),
        (
            CASE,
            json.dumps(call("get_weather", city="Paris", days=0)),
            False,
            "invalid call: get_weather: days: 0 is less than the minimum of 1 (the whole answer)",
            1,
        ),
        (
            CASE,
            '{"name": "get_weather", "arguments": ""}',
            False,
            "invalid call: get_weather: arguments: 'city' is a required property (the whole answer)",
            1,
        ),
        (
            CASE,
            json.dumps(call("get_weather", city="Lyon", days=3)),
            False,
            'get_weather: city="Lyon" is not one of ["Paris", "Paris, France"] (the whole answer)',
            1,
        ),
        (
            CASE,
            json.dumps(call("get_weather", city="Paris")),
            False,
            "get_weather: missing argument 'days' (the whole answer)",
            1,
        ),
        (
            CASE,
            json.dumps(call("get_weather", city="Paris", days=3, hourly=True)),
            False,
            "get_weather: unexpected argument 'hourly' (the whole answer)",
            1,
        ),
        (
            LEFT_OUT,
            json.dumps(call("get_weather", city="Paris", unit="celsius")),
            False,
            "get_weather: argument 'unit' should be left out, got \"celsius\" (the whole answer)",
            1,
        ),
        (
            PARALLEL,
            json.dumps(call("get_weather", city="Oslo")),
            False,
            "missing call to get_time (made 1 call(s), expected 2) (the whole answer)",
            1,
        ),
        (
            PARALLEL,
            json.dumps([call("get_weather", city="Bergen"), call("get_time", timezone="CET")]),
            False,
            'get_weather: city="Bergen" is not one of ["Oslo"] (the whole answer)',
            2,
        ),
        (BARE, "[ping()]", True, "called ping() as expected (the whole answer)", 1),
        (
            BARE,
            '{"name": "pong", "arguments": {}}',
            False,
            "invalid call: unknown function 'pong' (tools: get_weather, ping) (the whole answer)",
            1,
        ),
        (
            CASE,
            json.dumps(
                {
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris", "days": 3})},
                }
            ),
            True,
            'called get_weather(city="Paris", days=3) as expected (the whole answer)',
            1,
        ),
        (
            NO_CALL,
            '{"name": "get_weather", "arguments": [1]}',
            False,
            "unreadable tool call: the arguments of get_weather must be an object, not list",
            None,
        ),
        (
            CASE,
            '[get_weather(city="Paris", **extra)]',
            False,
            "unreadable tool call: get_weather: '**' or a repeated keyword is not a plain argument list",
            None,
        ),
        (
            CASE,
            "[get_weather(city={1, 2})]",
            False,
            "unreadable tool call: argument value '{1, 2}' is not a JSON-like literal",
            None,
        ),
        (
            CASE,
            '[tools.get_weather(city="Paris", days=3)]',
            False,
            "invalid call: unknown function 'tools.get_weather' (tools: get_weather, get_time) (the whole answer)",
            1,
        ),
        (
            NO_CALL,
            '{"type": "function", "id": "call_1"}',
            True,
            "answered in plain text without calling a tool, as expected",
            0,
        ),
        (
            {k: v for k, v in NO_CALL.items() if k != "tools"},
            "Plain text.",
            True,
            "answered in plain text without calling a tool, as expected",
            0,
        ),
        (
            CASE,
            json.dumps(
                {"type": "function", "id": "c1", "index": 0, "function": call("get_weather", city="Paris", days=3)}
            ),
            True,
            'called get_weather(city="Paris", days=3) as expected (the whole answer)',
            1,
        ),
        (BARE, '{"name": "ping"}', True, "called ping() as expected (the whole answer)", 1),
        (BARE, '{"name": "ping", "arguments": null}', True, "called ping() as expected (the whole answer)", 1),
        (
            CASE,
            json.dumps({**call("get_weather", city="Paris", days=3), "confidence": 0.9}),
            True,
            'called get_weather(city="Paris", days=3) as expected (the whole answer)',
            1,
        ),
        (
            CASE,
            json.dumps({"name": "get_weather", "parameters": {"city": "Paris", "days": 3}, "confidence": 0.9}),
            True,
            'called get_weather(city="Paris", days=3) as expected (the whole answer)',
            1,
        ),
        (
            CASE,
            "In {this} case: " + PARIS_3,
            True,
            'called get_weather(city="Paris", days=3) as expected (after the lead-in "In {this} case:")',
            1,
        ),
        (
            CASE,
            "[__import__('os').system(command='ls')]",
            False,
            "unreadable tool call: \"__import__('os').system(command='ls')\" is not a call by name with keyword"
            " arguments",
            None,
        ),
        (
            PARALLEL,
            json.dumps([call("get_weather", city="Oslo"), call("get_time", timezone="CET")]),
            True,
            'called get_weather(city="Oslo"), get_time(timezone="CET") as expected (the whole answer)',
            2,
        ),
    ],
)
def test_the_verdict_a_user_reads(case: dict, output: str, passed: bool, reason: str, calls: int | None) -> None:
    """Outcome and reason exactly as the report shows them, and the calls that were read (none when the output
    could not be read as calls)."""
    verdict = grade(case, output)
    assert (verdict.passed, verdict.reason) == (passed, reason)
    assert verdict.extracted is None if calls is None else len(verdict.extracted) == calls


ANYTHING = tool("store", {"value": {}, "place": {"type": "object", "properties": {"city": {"type": "string"}}}}, [])


@pytest.mark.parametrize(
    ("given", "accepted", "passed"),
    [
        (1e12 + 0.5, 1e12, True),  # numbers by value, up to float noise relative to their size
        (1.0 + 1.5e-9, 1.0, False),  # beyond the noise of a number near 1
        (None, "x", False),
        (["x"], [None], False),
        (["a"], "a", False),  # a list is not a string, even with the same content
        ({"a": 1}, "a", False),
        ({"a": 1.0}, {"a": 1}, True),
        ([1, "B"], [1.0, "b"], True),
    ],
)
def test_argument_values_compare_by_value_and_type(given: object, accepted: object, passed: bool) -> None:
    """An argument whose schema allows any value: what counts as the accepted value."""
    case = {**CASE, "tools": [ANYTHING], "expected_calls": [{"name": "store", "arguments": {"value": [accepted]}}]}
    verdict = grade(case, json.dumps(call("store", value=given)))
    assert verdict.passed is passed, verdict.reason


def test_a_schema_error_names_the_nested_argument() -> None:
    case = {
        **CASE,
        "tools": [ANYTHING],
        "expected_calls": [{"name": "store", "arguments": {"place": [{"city": "Oslo"}]}}],
    }
    verdict = grade(case, json.dumps(call("store", place={"city": 5})))
    assert verdict.reason == "invalid call: store: place.city: 5 is not of type 'string' (the whole answer)"


def test_a_call_that_fits_two_expected_calls_goes_where_it_is_needed() -> None:
    """Expected: weather in Oslo, and weather in Oslo or Bergen. Called: Oslo, Bergen. The Oslo call must pair
    with the first expectation, the Bergen one with the second: a full pairing exists, so the case passes."""
    case = {
        **CASE,
        "expected_calls": [
            {"name": "get_weather", "arguments": {"city": ["Oslo"]}},
            {"name": "get_weather", "arguments": {"city": ["Oslo", "Bergen"]}},
        ],
    }
    output = json.dumps([call("get_weather", city="Oslo"), call("get_weather", city="Bergen")])
    assert grade(case, output).passed, grade(case, output).reason


GREET = {
    **CASE,
    "tools": [tool("greet", {"name": {"type": "string"}}, ["name"])],
    "expected_calls": [{"name": "greet", "arguments": {"name": ["Ada"]}}],
}
PARIS_ARGS = {"city": "Paris", "days": 3}
WRAPPER = {"type": "function", "id": "c1", "index": 0, "call_id": "x"}
AS_EXPECTED = 'called get_weather(city="Paris", days=3) as expected'
CITIES = "{'Paris', 'Lyon', 'Nice', 'Lille', 'Toulouse', 'Bordeaux', 'Nantes'}"


def _padded_arguments(length: int) -> str:
    return json.dumps({"name": "get_weather", "arguments": json.dumps(PARIS_ARGS).ljust(length)})


@pytest.mark.parametrize(
    ("case", "output", "passed", "reason"),
    [
        (
            CASE,
            json.dumps({"type": "function", "name": "get_weather", **PARIS_ARGS}),
            True,
            AS_EXPECTED + " (the whole answer)",
        ),
        (
            CASE,
            json.dumps({**WRAPPER, "function": call("get_weather", **PARIS_ARGS)}),
            True,
            AS_EXPECTED + " (the whole answer)",
        ),
        (CASE, json.dumps({**call("get_weather", **PARIS_ARGS), **WRAPPER}), True, AS_EXPECTED + " (the whole answer)"),
        (
            GREET,
            json.dumps({"tool": "greet", "name": "Ada"}),
            True,
            'called greet(name="Ada") as expected (the whole answer)',
        ),
        (
            CASE,
            json.dumps({"name": "get_weather", "description": "weather", **PARIS_ARGS}),
            False,
            "get_weather: unexpected argument 'description' (the whole answer)",
        ),
        (
            CASE,
            json.dumps([call("get_weather", **PARIS_ARGS), 5]),
            False,
            'no tool call found in \'[{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}, 5]\'',
        ),
        (
            CASE,
            '{"name": "get_weather", "arguments": "[1]"}',
            False,
            "unreadable tool call: the arguments of get_weather must be an object, not list",
        ),
        (CASE, _padded_arguments(20_000), True, AS_EXPECTED + " (the whole answer)"),
        (
            CASE,
            _padded_arguments(20_001),
            False,
            "unreadable tool call: the arguments of get_weather are over 20,000 characters",
        ),
        (
            CASE,
            '{"name": "get_weather", "arguments": {"city": "Paris", "days": 1' + "0" * 300 + "}}",
            False,
            "unreadable tool call: a 301-digit number is out of range",
        ),
        (
            CASE,
            '{"name": "get_weather", "arguments": {"city": "Paris", "days": 1.0000000000000000000e999}}',
            False,
            "unreadable tool call: the number 1.000000000000000000 is out of range",
        ),
        (
            CASE,
            f"get_weather(city='Paris', days={2**1100})",
            False,
            "unreadable tool call: a number with hundreds of digits is out of range",
        ),
        (
            CASE,
            f"get_weather(city='Paris', days={10**30})",
            False,
            "get_weather: days=1000000000000000000000000000000 is not one of [3] (the whole answer)",
        ),
        (
            CASE,
            f"get_weather(city={CITIES}, days=3)",
            False,
            "unreadable tool call: argument value \"{'Paris', 'Lyon', 'Nice', 'Lille', 'Toulouse', 'Bordeaux', …\""
            " is not a JSON-like literal",
        ),
        (
            CASE,
            f"get_weather('Paris', days=3, more={CITIES})",
            False,
            "unreadable tool call: \"get_weather('Paris', days=3, more={'Paris', 'Lyon', 'Nice',…\" is not a call by"
            " name with keyword arguments",
        ),
        (CASE, "{'name': 'get_weather', 'city': 'Paris', 'days': 3}", True, AS_EXPECTED + " (the whole answer)"),
        (CASE, "Sure:\n{'name': 'get_weather', 'city': 'Paris', 'days': 3}", True, AS_EXPECTED + " (on its own line)"),
        (
            CASE,
            "Sure:\n[{'name': 'get_weather', 'city': 'Paris', 'days': 3}]",
            True,
            AS_EXPECTED + " (on its own line)",
        ),
        (
            CASE,
            "Sure:\nget_weather(city={1, 2})",
            False,
            "unreadable tool call: argument value '{1, 2}' is not a JSON-like literal",
        ),
        (CASE, "Sure:\nget_weather(city='Paris', days=3)\n(rates change)", True, AS_EXPECTED + " (on its own line)"),
        (CASE, "Note (draft):\nget_weather(city='Paris', days=3)", True, AS_EXPECTED + " (on its own line)"),
        (
            CASE,
            'Sure:\n{"name": "get_weather", "arguments": {"city": "Paris", "days": 1e999}}',
            False,
            "unreadable tool call: the number 1e999 is out of range",
        ),
        (
            NO_CALL,
            '[broken\n{"name": "Paris", "country": "France"}',
            True,
            "answered in plain text without calling a tool, as expected",
        ),
    ],
)
def test_every_call_shape_and_limit_gives_the_verdict_a_user_reads(
    case: dict, output: str, passed: bool, reason: str
) -> None:
    """Wrapper keys, flat calls with a `type`, a name key chosen by the case's tools, echoed definitions, lists
    with data in them, Python dicts, and the limits on argument text, digits and float range, each as the
    reason a user reads."""
    verdict = grade(case, output)
    assert (verdict.passed, verdict.reason) == (passed, reason)


def test_numbers_at_the_digit_limits_are_still_read() -> None:
    """300 digits in JSON and 999 bits in a pythonic call are the largest numbers read (then compared)."""
    at_json_limit = '{"name": "get_weather", "arguments": {"city": "Paris", "days": 1' + "0" * 299 + "}}"
    at_python_limit = f"get_weather(city='Paris', days={2**998})"
    for output, shown in [(at_json_limit, "days=1" + "0" * 20), (at_python_limit, f"days={str(2**998)[:20]}")]:
        verdict = grade(CASE, output)
        assert not verdict.passed and verdict.reason.startswith(f"get_weather: {shown}"), verdict.reason
