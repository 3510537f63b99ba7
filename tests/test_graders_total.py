"""Graders are total: any string gets a Verdict with a reason, never an exception, with work bounded
independently of the output's length. Property tests (hypothesis) plus named adversarial outputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.graders import Verdict, call_spans, grade, pythonic_calls
from benchmarks.graders.judge_verdict import judged_verdict, read_judge_reply
from benchmarks.graders.verdict import MAX_OUTPUT_CHARS
from tests.realistic_outputs import CASES

GRADED = {key: CASES[key] for key in ("book", "trip", "no_tool", "where", "planet", "bonds", "discount", "share")}
FRAGMENTS = [
    '{"name": ',
    '{"function": ',
    '"book_table"',
    '"get_weather"',
    '"arguments": ',
    '"parameters": ',
    ", ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "book_table(",
    "get_weather(city=",
    "party_size=",
    '"Nopa"',
    "'x'",
    "1e999999",
    "-1e999",
    "9" * 400,
    "7" * 5000,
    "NaN",
    "Infinity",
    "<tool_call>",
    "</tool_call>",
    "<|python_tag|>",
    "<|eom_id|>",
    "```json\n",
    "```",
    "\n",
    "\n\n",
    "Answer: ",
    "The answer is ",
    " or ",
    "1. ",
    "- ",
    "B",
    "(C)",
    "D)",
    "Mars",
    "library",
    "75%",
    "3/0",
    "1 1/2",
    "\\boxed{",
    "\\frac{1}{",
    "\x00",
    "\ud800",
    "\udfff",
    "I won't call ",
    "you asked: ",
    "could be ",
    "[RESULT] 4",
    "Score: 5",
    "\t",
    "<function=book_table>",
    "</function>",
    "true",
    "null",
    "**",
    "`",
    "é",
    "—",
]
# JSON decodes and `ast` parses per grading, whatever the output's length: about (2 x 20 blocks + 6 scans)
# x 200 attempts. A number, not the modules' constants, so that raising those fails this test.
WORK_LIMIT = 10_000


@st.composite
def adversarial_text(draw: st.DrawFn) -> str:
    """Random text, call and answer fragments, and long runs of one fragment."""
    pieces = draw(
        st.lists(
            st.one_of(
                st.sampled_from(FRAGMENTS),
                st.text(st.characters(exclude_categories=()), max_size=20),
                st.tuples(st.sampled_from(FRAGMENTS), st.integers(1, 3_000)).map(lambda run: run[0] * run[1]),
            ),
            max_size=12,
        )
    )
    return "".join(pieces)


@contextmanager
def counted_parsing() -> Iterator[list[int]]:
    """Counts JSON decodes and `ast` parses made while grading."""
    count = [0]

    def counting(function):
        def wrapper(*args, **kwargs):
            count[0] += 1
            return function(*args, **kwargs)

        return wrapper

    with (
        mock.patch.object(call_spans, "decode_json", counting(call_spans.decode_json)),
        mock.patch.object(pythonic_calls, "_parse", counting(pythonic_calls._parse)),
    ):
        yield count


def assert_total(verdict: Verdict) -> None:
    assert isinstance(verdict, Verdict) and isinstance(verdict.passed, bool)
    assert isinstance(verdict.reason, str) and verdict.reason.strip()
    json.dumps(verdict.to_dict(), allow_nan=False, ensure_ascii=False).encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=adversarial_text(), key=st.sampled_from(sorted(GRADED)))
def test_every_grader_gives_a_verdict_for_any_text(text: str, key: str) -> None:
    with counted_parsing() as parsed:
        verdict = grade(GRADED[key], text)
    assert_total(verdict)
    assert parsed[0] <= WORK_LIMIT


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(exclude_categories=()), max_size=300), key=st.sampled_from(sorted(GRADED)))
def test_every_grader_gives_a_verdict_for_random_unicode(text: str, key: str) -> None:
    assert_total(grade(GRADED[key], text))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=adversarial_text())
def test_the_judge_reader_reads_any_reply(text: str) -> None:
    reading = read_judge_reply(text)
    assert reading.score is None or 1 <= reading.score <= 5
    assert reading.rule in ("[RESULT]", "Score:", "none") and isinstance(reading.feedback, str)
    if reading.score is not None:
        assert_total(judged_verdict(reading.score, 4, reading.feedback))


N = 90_000
ADVERSARIAL = {
    "5000 digits": "Answer: " + "7" * 5000,
    "huge exponent": "Answer: 1e999999",
    "negative huge exponent": "Answer: -1e999999",
    "huge fraction": "Answer: 1/" + "3" * 5000,
    "huge mixed fraction": "Answer: 1 " + "1" * 500 + "/" + "3" * 500,
    "not numbers": "Answer: NaN, inf, -inf",
    "json huge int": '{"name": "book_table", "parameters": {"restaurant": "Nopa", "party_size": ' + "4" * 5000 + "}}",
    "json huge float": '{"name": "book_table", "parameters": {"restaurant": "Nopa", "party_size": 1e999999}}',
    "json NaN": '{"name": "book_table", "parameters": {"restaurant": "Nopa", "party_size": NaN}}',
    "pythonic huge": "book_table(restaurant='Nopa', party_size=1e999999)",
    "pythonic huge int": "book_table(restaurant='Nopa', party_size=" + "9" * 5000 + ")",
    "deep brackets": "[" * 100_000,
    "deep braces": "{" * 100_000,
    "deep call": "book_table(restaurant=" + "[" * N,
    "deep valid json": '{"name": "book_table", "parameters": {"restaurant": ' + "[" * 500 + "]" * 500 + "}}",
    "deep pythonic": "book_table(restaurant=" + "[" * 150 + "]" * 150 + ", party_size=4)",
    "nul": "Answer: \x00 C \x00 library 0.15",
    "lone surrogates": "\ud800Answer: library \udfff C 15%",
    "surrogate in a call": '{"name": "book_table", "parameters": {"restaurant": "\ud800", "party_size": 4}}',
    "surrogate in a pythonic call": "book_table(restaurant='\ud800', party_size=4)",
    "nul in a pythonic call": "Sure:\nbook_table(restaurant='\x00', party_size=4)",
    "megabytes": "Answer: C library 0.15 " * 200_000,
    "blank lines": "\n" * N,
    "whitespace run": "a" + " " * N + "b",
    "tab run": "\t" * N + ":",
    "fences": "```\n{```" * (N // 8),
    "open tags": "<tool_call>{" * (N // 12),
    "answer markers": "Answer: " * (N // 8),
    "list lines": "1. a\n" * (N // 5),
    "or chain": " or" * (N // 3),
    "call starts": "f(" * (N // 2),
    "empty": "",
}


@pytest.mark.parametrize("key", sorted(GRADED))
@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_outputs_get_a_verdict(name: str, key: str) -> None:
    with counted_parsing() as parsed:
        verdict = grade(GRADED[key], ADVERSARIAL[name])
    assert_total(verdict)
    assert parsed[0] <= WORK_LIMIT


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ("Answer: 1e999999", "beyond the range of a float"),
        ("Answer: " + "7" * 5000, "beyond the range of a float"),
    ],
)
def test_numbers_beyond_float_range_fail_with_the_reason(output: str, reason: str) -> None:
    verdict = grade(CASES["discount"], output)
    assert not verdict.passed and reason in verdict.reason


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (ADVERSARIAL["json huge int"], "5000-digit number is out of range"),
        (ADVERSARIAL["json huge float"], "1e999999 is out of range"),
        (ADVERSARIAL["json NaN"], "NaN is not a number JSON allows"),
        (ADVERSARIAL["pythonic huge"], "out of range"),
        (ADVERSARIAL["deep brackets"], "nested deeper than"),
    ],
)
def test_unreadable_calls_are_the_models_failure_with_the_reason(output: str, reason: str) -> None:
    verdict = grade(CASES["book"], output)
    assert not verdict.passed and verdict.reason.startswith("unreadable tool call") and reason in verdict.reason


def test_an_output_over_the_limit_fails_unread() -> None:
    verdict = grade(CASES["where"], "Answer: library " * (MAX_OUTPUT_CHARS // 10))
    assert not verdict.passed and f"over the {MAX_OUTPUT_CHARS:,} the graders read" in verdict.reason
    assert grade(CASES["where"], "x" * (MAX_OUTPUT_CHARS - 20) + " Answer: library").passed


def test_model_text_in_a_verdict_is_safe_to_write_as_utf8() -> None:
    verdict = grade(CASES["where"], "Answer: \ud800 library")
    assert verdict.passed and "\ufffd" in verdict.reason and "\ufffd" in verdict.extracted
    verdict.reason.encode("utf-8")
