"""Read tool calls out of model text: JSON in its common shapes, or the pythonic `[f(x=1)]` form.

Model output is parsed, never executed: JSON with `json`, the pythonic form with `ast.parse` and
`ast.literal_eval` on each argument, so `[__import__('os').system('x')]` is simply not a call.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

Call = dict[str, Any]

_FENCE = re.compile(r"```(?:json|python|tool_code|tool_call)?\s*(.*?)```", re.S)
_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.S)
_MARKERS = ("<|python_tag|>", "<|eom_id|>", "<|eot_id|>")


class CallParseError(ValueError):
    """The output looks like it tries to call a tool but cannot be read as calls."""


def _as_call(item: Any) -> Call | None:
    """Normalise one JSON object to {name, arguments}; None when it is not a call."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("function"), dict):  # OpenAI: {"type": "function", "function": {...}}
        item = item["function"]
    name = item.get("name")
    if not isinstance(name, str):
        return None
    arguments = item.get("arguments", item.get("parameters", {}))
    if isinstance(arguments, str):  # OpenAI sends arguments as a JSON string
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            raise CallParseError(f"arguments of {name} are not valid JSON: {exc.msg}") from None
    if not isinstance(arguments, dict):
        raise CallParseError(f"arguments of {name} must be an object, got {type(arguments).__name__}")
    return {"name": name, "arguments": arguments}


def _calls_from_json(value: Any) -> list[Call] | None:
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        value = value["tool_calls"]
    items = value if isinstance(value, list) else [value]
    calls = [_as_call(item) for item in items]
    if not items or any(call is None for call in calls):
        return None
    return [call for call in calls if call is not None]


def _json_values(text: str) -> list[Any]:
    """Every top-level JSON object or array embedded in `text`, in order."""
    decoder, values, index = json.JSONDecoder(), [], 0
    while index < len(text):
        starts = [i for i in (text.find("{", index), text.find("[", index)) if i != -1]
        if not starts:
            break
        start = min(starts)
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            index = start + 1
            continue
        values.append(value)
        index = end
    return values


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        raise CallParseError(f"argument value {ast.unparse(node)!r} is not a literal") from None


def _pythonic_call(node: ast.expr) -> Call:
    if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Name, ast.Attribute)) or node.args:
        raise CallParseError(f"{ast.unparse(node)!r} is not a call with keyword arguments")
    name = ast.unparse(node.func)
    return {"name": name, "arguments": {kw.arg: _literal(kw.value) for kw in node.keywords if kw.arg}}


def _calls_from_python(text: str) -> list[Call] | None:
    stripped = text.strip().rstrip(";")
    if not re.match(r"^\[?\s*[A-Za-z_][\w.]*\s*\(", stripped):
        return None
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError:
        return None
    nodes = tree.body.elts if isinstance(tree.body, (ast.List, ast.Tuple)) else [tree.body]
    return [_pythonic_call(node) for node in nodes]


def _candidates(output: str) -> list[str]:
    text = output
    for marker in _MARKERS:
        text = text.replace(marker, "\n")
    tagged = _TAGGED.findall(text)
    fenced = _FENCE.findall(text)
    return [*(["\n".join(tagged)] if tagged else []), *fenced, text]


def parse_calls(output: str) -> list[Call]:
    """The tool calls in `output` ([] when it is plain text); raises CallParseError on a broken call."""
    for candidate in _candidates(output):
        pythonic = _calls_from_python(candidate)
        if pythonic is not None:
            return pythonic
        calls: list[Call] = []
        for value in _json_values(candidate):
            found = _calls_from_json(value)
            if found:
                calls.extend(found)
        if calls:
            return calls
        for line in candidate.splitlines():  # one pythonic call per line, or calls separated by ';'
            for piece in line.split(";"):
                pythonic = _calls_from_python(piece)
                if pythonic:
                    calls.extend(pythonic)
        if calls:
            return calls
    if re.search(r'"name"\s*:', output):
        raise CallParseError("the output holds a call-like object that is not valid JSON")
    return []
