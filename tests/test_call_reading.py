"""Tool-call reading that knows the case's tools: every call shape CASES.md lists, the near-misses that
stay data, and made versus mentioned calls, each with the rule in the reason."""

from __future__ import annotations

import json

import pytest

from benchmarks.graders import grade_tool_calls
from benchmarks.graders.call_parsing import read_calls
from benchmarks.graders.call_shapes import CallParseError
from tests.realistic_outputs import CASES

BOOK, NO_TOOL, CONVERT = CASES["book"], CASES["no_tool"], CASES["convert"]
TOOLS = frozenset({"book_table", "get_weather"})
ARGS = {"restaurant": "Nopa", "party_size": 4}
NESTED = json.dumps({"name": "book_table", "arguments": ARGS})
CONVERT_CALL = "convert_currency(amount=250, from_currency='EUR', to_currency='JPY')"


@pytest.mark.parametrize(
    ("output", "rule"),
    [
        (NESTED, "the whole answer"),
        (json.dumps({"name": "book_table", "parameters": ARGS}), "the whole answer"),
        (json.dumps({"function": "book_table", "arguments": ARGS}), "the whole answer"),
        (json.dumps({"tool": "book_table", "args": ARGS}), "the whole answer"),
        (json.dumps({"function": "book_table", **ARGS}), "the whole answer"),
        (json.dumps({"name": "book_table", **ARGS}), "the whole answer"),
        (json.dumps({"tool": "book_table", **ARGS}), "the whole answer"),
        (json.dumps({"type": "function", "name": "book_table", "parameters": ARGS}), "the whole answer"),
        (json.dumps([{"function": "book_table", **ARGS}]), "the whole answer"),
        (json.dumps({"name": "book_table", "arguments": json.dumps(ARGS)}), "the whole answer"),
        (
            json.dumps({"type": "function", "function": {"name": "book_table", "arguments": json.dumps(ARGS)}}),
            "the whole answer",
        ),
        (
            json.dumps(
                {
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "book_table", "arguments": json.dumps(ARGS)},
                        }
                    ]
                }
            ),
            "the whole answer",
        ),
        ("{'name': 'book_table', 'parameters': {'restaurant': 'Nopa', 'party_size': 4}}", "the whole answer"),
        ("book_table(restaurant='Nopa', party_size=4)", "the whole answer"),
        ('[book_table(restaurant="Nopa", party_size=4)]', "the whole answer"),
        (f"```json\n{NESTED}\n```", "in a code fence"),
        (f"Here you go:\n\n```\n{NESTED}\n```\nAnything else?", "in a code fence"),
        (f"<tool_call>\n{NESTED}\n</tool_call>", "inside <tool_call> tags"),
        (f"<tool_call>{NESTED}", "inside <tool_call> tags"),
        (f"<|python_tag|>{NESTED}<|eom_id|>", "after <|python_tag|>"),
        ('<|python_tag|>book_table(restaurant="Nopa", party_size=4)', "after <|python_tag|>"),
        ('<function=book_table>{"restaurant": "Nopa", "party_size": 4}</function>', "inside <function=...> tags"),
        (f"Sure, here is the call:\n{NESTED}", "on its own line"),
        (f"Sure, here is the call: {NESTED}", 'after the lead-in "Sure, here is the call:"'),
        (f"{NESTED}\nThis reserves a table for four.", "on its own line"),
        ("- `book_table(restaurant='Nopa', party_size=4)`", "on its own line"),
    ],
)
def test_every_call_shape_is_read_and_the_rule_named(output: str, rule: str) -> None:
    verdict = grade_tool_calls(BOOK, output)
    assert verdict.passed, verdict.reason
    assert verdict.extracted == [{"name": "book_table", "arguments": ARGS}]
    assert verdict.reason.endswith(f"({rule})")


def test_parallel_calls_on_separate_lines_or_in_separate_tags() -> None:
    trip = CASES["trip"]
    flights = json.dumps({"name": "search_flights", "parameters": {"origin": "Lisbon", "destination": "Oslo"}})
    weather = json.dumps({"function": "get_weather", "city": "Oslo"})
    for output in [
        f"{flights}\n{weather}",
        f"{flights}; {weather}",
        f"<tool_call>{flights}</tool_call>\n<tool_call>{weather}</tool_call>",
        f"```json\n{flights}\n```\n```json\n{weather}\n```",
    ]:
        assert grade_tool_calls(trip, output).passed, output


@pytest.mark.parametrize(
    "output",
    [
        '{"name": "Canberra", "country": "Australia"}',
        '{"function": "treasurer", "department": "finance"}',
        '{"tool": "hammer", "weight_kg": 2}',
        '[{"name": "Ada", "role": "engineer"}, {"name": "Linus", "role": "maintainer"}]',
        '{"name": "get_weather", "description": "Weather for a city.", "parameters": {"type": "object", '
        '"properties": {"city": {"type": "string"}}}}',
        '{"result": {"name": "get_weather", "arguments": {"city": "Oslo"}}}',
        '{"note": "call get_weather(city=\'Oslo\') later"}',
        '[1, 2, 3] and {"a": 1}',
        "Paris (France)",
        "The new currency:\nEuro (EUR)",
    ],
)
def test_near_misses_are_data_not_calls(output: str) -> None:
    verdict = grade_tool_calls(NO_TOOL, output)
    assert verdict.passed, verdict.reason
    assert read_calls(output, TOOLS).calls == []


def test_an_unambiguous_call_to_a_wrong_name_is_an_unknown_function() -> None:
    for output in [
        '{"name": "reserve", "arguments": {"restaurant": "Nopa"}}',
        '{"function": "reserve", "parameters": {"restaurant": "Nopa"}}',
        "reserve(restaurant='Nopa')",
    ]:
        verdict = grade_tool_calls(BOOK, output)
        assert not verdict.passed and "unknown function 'reserve'" in verdict.reason, output
    # The flat form names a tool only when the name is one of the case's tools.
    verdict = grade_tool_calls(BOOK, '{"name": "reserve", "restaurant": "Nopa"}')
    assert not verdict.passed and "no tool call found" in verdict.reason


def test_arguments_given_as_a_string_must_be_json() -> None:
    verdict = grade_tool_calls(BOOK, '{"name": "book_table", "arguments": "restaurant=Nopa"}')
    assert not verdict.passed and "arguments of book_table are not valid JSON" in verdict.reason


@pytest.mark.parametrize(
    ("case", "output", "passes", "reason"),
    [
        (CONVERT, f"I won't run {CONVERT_CALL} for you.", False, 'negated ("won\'t run")'),
        (NO_TOOL, "No — convert_currency(amount=5) would not help here", True, "only inside a sentence, not made"),
        (CONVERT, f"you asked: {CONVERT_CALL}", False, 'quoted ("you asked")'),
        (CONVERT, f"I will not call the tool. It would be:\n{CONVERT_CALL}", False, "negated"),
        (CONVERT, f"I can't execute code, but here it is:\n```python\n{CONVERT_CALL}\n```", False, "negated"),
        (CONVERT, f"You could try {CONVERT_CALL} yourself.", False, "inside a sentence"),
        (CONVERT, f"Calling {CONVERT_CALL} now.", False, "inside a sentence"),
        (NO_TOOL, f"I cannot call {CONVERT_CALL}: the tools do not cover this.", True, "negated"),
        (NO_TOOL, f"If you asked me to convert, {CONVERT_CALL} would do it.", True, "not made"),
        (CONVERT, f"Sure, here is the call:\n{CONVERT_CALL}", True, "on its own line"),
        (CONVERT, f"Here is the function call: {CONVERT_CALL}.", True, "after the lead-in"),
        (CONVERT, CONVERT_CALL, True, "the whole answer"),
    ],
)
def test_a_call_counts_only_when_it_is_the_answer(case: dict, output: str, passes: bool, reason: str) -> None:
    verdict = grade_tool_calls(case, output)
    assert verdict.passed is passes, verdict.reason
    assert reason in verdict.reason


def test_a_long_lead_in_on_the_same_line_is_a_sentence() -> None:
    output = f"Since you want yen for your trip to Tokyo next month, my suggestion is: {CONVERT_CALL}"
    verdict = grade_tool_calls(CONVERT, output)
    assert not verdict.passed and "inside a sentence" in verdict.reason


def test_a_broken_call_in_a_fence_is_unreadable_not_missing() -> None:
    output = 'Here:\n```json\n{"name": "book_table", "parameters": {"restaurant": "Nopa"\n```'
    verdict = grade_tool_calls(BOOK, output)
    assert not verdict.passed and verdict.reason.startswith("unreadable tool call")


def test_metadata_beside_a_tools_nested_arguments_is_ignored_but_makes_an_unknown_name_data() -> None:
    """A model's extra keys ("confidence") do not hide a call to a case's tool; beside a name that is no tool,
    the same keys mark the object as data (a record that happens to have a name and an args object)."""
    tagged = json.dumps({"name": "book_table", "arguments": ARGS, "confidence": 0.9})
    assert read_calls(tagged, TOOLS).calls == [{"name": "book_table", "arguments": ARGS}]
    record = json.dumps({"name": "Alice", "args": {"x": 1}, "age": 30})
    assert read_calls(record, TOOLS).calls == []
    with_id = json.dumps({"id": "c1", "name": "reserve", "arguments": ARGS})
    assert read_calls(with_id, TOOLS).calls == [{"name": "reserve", "arguments": ARGS}], "id-like keys: still a call"


def test_arguments_that_are_not_an_object_make_an_unreadable_call_but_a_list_named_args_is_an_argument() -> None:
    with pytest.raises(CallParseError, match="the arguments of book_table must be an object, not list"):
        read_calls(json.dumps({"name": "book_table", "arguments": [1]}), TOOLS)
    flat = read_calls(json.dumps({"name": "run", "args": ["-l", "/tmp"]}), frozenset({"run"}))
    assert flat.calls == [{"name": "run", "arguments": {"args": ["-l", "/tmp"]}}]
    assert read_calls(json.dumps({"name": "book_table", "arguments": None}), TOOLS).calls[0]["arguments"] == {}


MADE = 'called convert_currency(amount=250, from_currency="EUR", to_currency="JPY") as expected'
SAID = "no tool call made: convert_currency(amount=250, from_currency='EUR',…"  # a mention, quoted up to 50 characters


@pytest.mark.parametrize(
    ("case", "output", "passes", "reason"),
    [
        (
            CONVERT,
            f"I will not call the tool.\n\n  \n{CONVERT_CALL}",
            False,
            SAID + ' is negated ("will not call"), not made as the answer',
        ),
        (
            CONVERT,
            f"I will not call the tool.\nIt would be:\n{CONVERT_CALL}",
            True,
            MADE + " (on its own line)",
        ),
        (
            CONVERT,
            f"Sure:\n{CONVERT_CALL}\n(rates change daily)",
            True,
            MADE + " (on its own line)",
        ),
        (
            CONVERT,
            f"**Call:** {CONVERT_CALL}",
            True,
            MADE + ' (after the lead-in "Call:")',
        ),
        (
            CONVERT,
            f"Xavier, here is the call: {CONVERT_CALL}",
            True,
            MADE + ' (after the lead-in "Xavier, here is the call:")',
        ),
        (
            CONVERT,
            f"Here is the call: {CONVERT_CALL} and that is all",
            False,
            SAID + " is only inside a sentence, not made as the answer",
        ),
        (
            CONVERT,
            f"{CONVERT_CALL} That converts 250 euros.",
            True,
            MADE + " (on its own line)",
        ),
        (
            CONVERT,
            f"{CONVERT_CALL} then I convert it back",
            False,
            SAID + " is only inside a sentence, not made as the answer",
        ),
        (
            CONVERT,
            f"one two three four five six seven eight nine ten eleven twelve: {CONVERT_CALL}",
            True,
            MADE + ' (after the lead-in "one two three four five six seven eight…")',
        ),
        (
            CONVERT,
            f"one two three four five six seven eight nine ten eleven twelve thirteen: {CONVERT_CALL}",
            False,
            SAID + " is only inside a sentence, not made as the answer",
        ),
        (
            CONVERT,
            f"Here is the single currency conversion call you need: {CONVERT_CALL}",
            True,
            MADE + ' (after the lead-in "Here is the single currency conversion …")',
        ),
        (
            CONVERT,
            f"I wouldn’t necessarily recommend anyone execute {CONVERT_CALL} blindly.",
            False,
            SAID + ' is negated ("wouldn’t necessarily recommend anyone e…"), not made as the answer',
        ),
        (
            CONVERT,
            f"I can't run these:\n```\n{CONVERT_CALL}\n{CONVERT_CALL.replace('JPY', 'USD')}\n```",
            False,
            'no tool call made: convert_currency(…), convert_currency(…) in a code fence, negated ("can\'t run"),'
            " not made as the answer",
        ),
        (
            BOOK,
            'Sure, here is the call:\nbook_table(restaurant="Nopa \\"(SF)\\"", party_size=4)',
            False,
            'book_table: restaurant="Nopa \\"(SF)\\"" is not one of ["Nopa"] (on its own line)',
        ),
        (
            BOOK,
            "Sure, here is the call:\nbook_table(restaurant='Nopa (SF)', party_size=4)",
            False,
            'book_table: restaurant="Nopa (SF)" is not one of ["Nopa"] (on its own line)',
        ),
    ],
)
def test_the_reason_names_where_the_call_sits_among_the_lines(
    case: dict, output: str, passes: bool, reason: str
) -> None:
    """Made or mentioned is decided by the call's own line (its lead-in, what follows it) and the nearest
    non-blank line above; the reason quotes the lead-in or the cue, cut at 40 characters."""
    verdict = grade_tool_calls(case, output)
    assert (verdict.passed, verdict.reason) == (passes, reason)
