"""Read the tool calls a model *made*, as opposed to ones it only mentions.

A call is made when it is the answer: inside `<tool_call>` tags or after `<|python_tag|>`, in a code
fence, the whole output, on its own line(s), or ending a line after a short lead-in that ends in a
colon ("Sure, here is the call: ..."). A call inside a sentence ("I won't run convert(amount=5) for
you.") is a mention, and so is any call whose lead-in negates or quotes it ("I can't call ...",
"you asked: ..."). `read_calls` says which rule applied. Model output is parsed, never executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

from benchmarks.graders.call_shapes import Call, CallParseError, ToolNames, decoded_arguments
from benchmarks.graders.call_spans import Span, find_spans, outside_json
from benchmarks.graders.pythonic_calls import calls_from_python
from benchmarks.graders.text import shorten

_TAGGED = re.compile(r"<tool_call>(.*?)(?:</tool_call>|(?=<tool_call>)|\Z)", re.S)
_FUNCTION_TAG = re.compile(r"<function=([A-Za-z_][\w.]*)>(.*?)(?:</function>|\Z)", re.S)
_PYTHON_TAG = re.compile(r"<\|python_tag\|>(.*?)(?=<\|eom_id\|>|<\|eot_id\|>|<\|python_tag\|>|\Z)", re.S)
_FENCE = re.compile(r"```[\w-]*[ \t]*\n?(.*?)```", re.S)
_END_MARKERS = re.compile(r"<\|(?:eom_id|eot_id|eom|end_of_text)\|>")
_SEPARATORS = re.compile(r"[\s;,]*")
_LEAD_IN_WORDS = 12
MAX_BLOCKS = 20  # tagged blocks or code fences read per output: keeps the work bounded
_NEGATION = re.compile(
    r"\b(?:won[’']?t|will\s+not|can[’']?t|cannot|can\s+not|shouldn[’']?t|should\s+not|wouldn[’']?t|"
    r"would\s+not|don[’']?t|do\s+not|not\s+going\s+to|never|refuse\s+to|unable\s+to|no\s+need\s+to)"
    r"\s+(?:[\w’']+\s+){0,3}?(?:call|run|use|invoke|execute|make|trigger|perform)\w*\b",
    re.I,
)
_QUOTATION = re.compile(
    r"\b(?:you(?:[’']ve|\s+have)?|the\s+user)\s+(?:asked|wrote|said|typed|requested|mentioned|suggested)\b"
    r"|\byour\s+(?:request|message|question)\b|\bquot(?:e|ed|ing)\b",
    re.I,
)
_CALL_LIKE_KEY = re.compile(r"""(?:^|\n)[ \t\[{`]*\{\s*["'](?:name|function|tool)["']\s*:""")


@dataclass(frozen=True)
class CallReading:
    """The calls made (empty for plain text), how they were found, and calls only mentioned."""

    calls: list[Call]
    rule: str
    mentions: list[str] = field(default_factory=list)


def _cue(text: str) -> str | None:
    """Why a call after `text` is not made: a negation or a quotation in it, or None."""
    for kind, pattern in (("negated", _NEGATION), ("quoted", _QUOTATION)):
        match = pattern.search(text)
        if match:
            return f'{kind} ("{shorten(match.group(0), 40)}")'
    return None


def _whole(text: str, tool_names: ToolNames) -> list[Call] | None:
    """Calls when `text` holds only calls (and separators); None when it holds anything else.
    An unreadable call in it raises CallParseError."""
    spans, position = find_spans(text, tool_names), 0
    for span in spans:
        if text[position : span.start].strip(" \t\r\n;,"):
            return None
        if span.problem:
            raise CallParseError(span.problem)
        position = span.end
    if not spans or text[position:].strip(" \t\r\n;,."):
        return None
    return [call for span in spans for call in span.calls]


def _wrapped(output: str, tool_names: ToolNames) -> CallReading | None:
    """Calls inside <tool_call> tags, <function=name> tags or after <|python_tag|>: always made."""
    for pattern, rule in ((_TAGGED, "inside <tool_call> tags"), (_PYTHON_TAG, "after <|python_tag|>")):
        blocks = [match.group(1) for match in islice(pattern.finditer(output), MAX_BLOCKS) if match.group(1).strip()]
        if blocks:
            calls = []
            for block in blocks:
                found = _whole(block, tool_names)
                if found is None:
                    raise CallParseError(f"{rule}: {shorten(block, 60)!r} is not a tool call")
                calls += found
            return CallReading(calls, rule)
    tagged = [match.groups() for match in islice(_FUNCTION_TAG.finditer(output), MAX_BLOCKS)]
    if tagged:
        calls = [{"name": name, "arguments": decoded_arguments(name, body.strip())} for name, body in tagged]
        return CallReading(calls, "inside <function=...> tags")
    return None


def _line_above(text: str, position: int) -> str:
    """The last non-blank line that ends before `position`."""
    end = text.rfind("\n", 0, position)
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        if text[start:end].strip():
            return text[start:end]
        end = start - 1
    return ""


def _line_bounds(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The text before `start` on its line, after `end` on its line, and the non-blank line above."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    after = text[end : len(text) if line_end == -1 else line_end]
    return text[line_start:start], after, _line_above(text, line_start)


def _runs(text: str, spans: list[Span]) -> list[list[Span]]:
    """Spans grouped into runs separated only by `;`, `,` and white space (parallel calls on a line)."""
    runs: list[list[Span]] = []
    for span in spans:
        if runs and _SEPARATORS.fullmatch(text[runs[-1][-1].end : span.start]):
            runs[-1].append(span)
        else:
            runs.append([span])
    return runs


def _judge_run(text: str, run: list[Span]) -> tuple[bool, str]:
    """(made?, rule) for a run of spans, from the text around it."""
    before, after, above = _line_bounds(text, run[0].start, run[-1].end)
    lead = before.strip(" \t`*_>-#")
    ends_line = re.search(r"[^\W_]", after) is None  # nothing but punctuation, markdown or controls
    new_sentence = re.match(r"[.!]?\s+[A-Z]", after) is not None
    if re.search(r"[^\W_]", lead) is None and (ends_line or new_sentence):
        cue = _cue(above)
        return (False, cue) if cue else (True, "on its own line")
    if lead.endswith(":") and ends_line and len(lead.split()) <= _LEAD_IN_WORDS:
        cue = _cue(lead)
        return (False, cue) if cue else (True, f'after the lead-in "{shorten(lead, 40)}"')
    return False, _cue(before) or "inside a sentence"


def _fenced(output: str, tool_names: ToolNames) -> tuple[list[Call], list[str], str]:
    """Calls made in code fences, mentions (negated fences), and the text with fences blanked out."""
    calls: list[Call] = []
    mentions: list[str] = []
    for match in islice(_FENCE.finditer(output), MAX_BLOCKS):
        found = _whole(match.group(1), tool_names)
        if not found:
            continue
        cue = _cue(_line_above(output, match.start() + 1))
        if cue:
            mentions.append(f"{_render_names(found)} in a code fence, {cue}")
        else:
            calls += found
    return calls, mentions, _FENCE.sub(lambda m: "\n" * (m.group(0).count("\n") + 1), output)


def _render_names(calls: list[Call]) -> str:
    return ", ".join(f"{call['name']}(…)" for call in calls)


def read_calls(output: str, tool_names: ToolNames = None) -> CallReading:
    """The tool calls made in `output`, with the rule that found them; raises CallParseError on a
    call made in a way that cannot be read. Without `tool_names`, flat objects are never calls."""
    text = _END_MARKERS.sub("\n", output)
    wrapped = _wrapped(text, tool_names)
    if wrapped is not None:
        return wrapped
    fenced, mentions, rest = _fenced(text, tool_names)
    if fenced:
        return CallReading(fenced, "in a code fence", mentions)
    whole = calls_from_python(rest, tool_names) or _whole(rest, tool_names)
    if whole:
        return CallReading(whole, "the whole answer", mentions)
    calls: list[Call] = []
    rules: list[str] = []
    for run in _runs(rest, find_spans(rest, tool_names)):
        made, rule = _judge_run(rest, run)
        if made:
            problems = [span.problem for span in run if span.problem]
            if problems:
                raise CallParseError(problems[0])
            calls += [call for span in run for call in span.calls]
            rules.append(rule)
        elif any(span.calls for span in run):
            excerpt = shorten(rest[run[0].start : run[-1].end], 50)
            mentions.append(f"{excerpt} is {'' if rule.startswith(('negated', 'quoted')) else 'only '}{rule}")
    if calls:
        return CallReading(calls, "; ".join(dict.fromkeys(rules)), mentions)
    if not mentions and _CALL_LIKE_KEY.search(outside_json(text)):
        raise CallParseError("the output holds a call-like object that is not valid JSON")
    return CallReading([], "no call made", mentions)


def parse_calls(output: str, tool_names: ToolNames = None) -> list[Call]:
    """The tool calls made in `output`, [] for plain text; raises CallParseError on a call it cannot read."""
    return read_calls(output, tool_names).calls
