"""Read tool calls out of model text: JSON in its common shapes, or the pythonic `[f(x=1)]` form.

Model output is parsed, never executed: JSON with `json`, the pythonic form with `ast.parse` plus
`ast.literal_eval` on each keyword value, so `[__import__('os').system('x')]` is simply not a call.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from typing import Any, ClassVar

Call = dict[str, Any]

_FENCE = re.compile(r"```[\w-]*[ \t]*\n?(.*?)```", re.S)
_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)
_MARKERS = ("<|python_tag|>", "<|eom_id|>", "<|eot_id|>")
_CALL_START = re.compile(r"\[?\s*[A-Za-z_][\w.]*\s*\(")
_CALL_KEYS = {"name", "arguments", "parameters", "type", "id"}
_WRAPPER_KEYS = {"type", "id", "index", "function"}


class CallParseError(ValueError):
    """The output tries to call a tool but cannot be read as calls."""


def _as_call(item: Any) -> Call | None:
    """Normalise one JSON object to {name, arguments}; None when it is not a call at all."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("function"), dict) and set(item) <= _WRAPPER_KEYS:  # OpenAI {"function": {...}}
        item = item["function"]
    name = item.get("name")
    # {"name": "Paris", "country": "France"} in a plain answer is data, not a call.
    if not isinstance(name, str) or not ({"arguments", "parameters"} & set(item) or set(item) <= _CALL_KEYS):
        return None
    arguments = item.get("arguments", item.get("parameters"))
    if isinstance(arguments, str):  # OpenAI sends arguments as a JSON-encoded string
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            raise CallParseError(f"the arguments of {name} are not valid JSON ({exc.msg})") from None
    arguments = {} if arguments is None else arguments
    if not isinstance(arguments, dict):
        raise CallParseError(f"the arguments of {name} must be an object, not {type(arguments).__name__}")
    return {"name": name, "arguments": arguments}


def _calls_from_json(value: Any) -> list[Call]:
    """The calls in one JSON value: a call, a list of calls, or {"tool_calls": [...]}; else []."""
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        value = value["tool_calls"]
    items = value if isinstance(value, list) else [value]
    calls = [_as_call(item) for item in items]
    return [call for call in calls if call is not None] if calls and None not in calls else []


def _json_values(text: str) -> tuple[list[Any], str]:
    """Every top-level JSON object or array embedded in `text`, in order, and the text around them."""
    decoder, values, rest, index = json.JSONDecoder(), [], [], 0
    while (start := _next_bracket(text, index)) != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            rest.append(text[index : start + 1])
            index = start + 1
            continue
        values.append(value)
        rest.append(text[index:start])
        index = end
    return values, "".join(rest) + text[index:]


def _next_bracket(text: str, index: int) -> int:
    starts = [i for i in (text.find("{", index), text.find("[", index)) if i != -1]
    return min(starts, default=-1)


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


def _literal(node: ast.expr) -> Any:
    """A keyword's value, read with `ast.literal_eval`, as JSON data (tuples become lists)."""
    try:
        return _as_json(ast.literal_eval(_JsonLiterals().visit(node)))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise CallParseError(f"argument value {ast.unparse(node)!r} is not a JSON-like literal") from None


def _as_json(value: Any) -> Any:
    """`value` as JSON data; TypeError for Python-only literals (sets, bytes, complex, non-string keys)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_as_json(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _as_json(item) for key, item in value.items()}
    raise TypeError(type(value).__name__)


class _Prose(Exception):
    """Text shaped like a call to something that is not a tool: "Thursday (1776)", "Euro (EUR)"."""


def _pythonic_call(node: ast.expr, tool_names: frozenset[str] | None) -> Call:
    """One `name(key=literal, ...)` call; anything else is refused, not run. Positional arguments to a
    name that is not one of `tool_names` are prose, not a broken call."""
    name = _dotted_name(node.func) if isinstance(node, ast.Call) else None
    if (
        isinstance(node, ast.Call)
        and node.args
        and name is not None
        and tool_names is not None
        and name not in tool_names
    ):
        raise _Prose
    if not isinstance(node, ast.Call) or name is None or node.args:
        raise CallParseError(f"{ast.unparse(node)!r} is not a call by name with keyword arguments")
    arguments: dict[str, Any] = {}
    for keyword in node.keywords:
        if keyword.arg is None or keyword.arg in arguments:
            raise CallParseError(f"{name}: '**' or a repeated keyword is not a plain argument list")
        arguments[keyword.arg] = _literal(keyword.value)
    return {"name": name, "arguments": arguments}


def _calls_from_python(text: str, tool_names: frozenset[str] | None = None) -> list[Call] | None:
    """Calls when all of `text` is `f(a=1)` or `[f(a=1), g(b=2)]`; None when it is not Python of that
    shape; raises CallParseError when it is such Python but not plain calls with literal arguments."""
    stripped = text.strip().rstrip(";").strip()
    if not _CALL_START.match(stripped):
        return None
    try:
        tree = ast.parse(stripped, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    nodes = tree.body.elts if isinstance(tree.body, (ast.List, ast.Tuple)) else [tree.body]
    try:
        return [_pythonic_call(node, tool_names) for node in nodes]
    except _Prose:
        return None


def _embedded_python(line: str, tool_names: frozenset[str] | None) -> list[Call]:
    """Pythonic calls inside prose ("Calling [f(a=1)] now."): the longest readable span, leniently."""
    for start in itertools.islice(_CALL_START.finditer(line), 10):
        ends = [i + 1 for i, ch in enumerate(line) if ch in ")]" and i > start.start()]
        for end in reversed(ends):
            try:
                calls = _calls_from_python(line[start.start() : end], tool_names)
            except CallParseError:
                continue
            if calls:
                return calls
    return []


def _candidates(output: str) -> list[str]:
    """Texts to read calls from, most specific first: <tool_call> blocks, code fences, everything."""
    text = output
    for marker in _MARKERS:
        text = text.replace(marker, "\n")
    tagged = _TAGGED.findall(text)
    return [*(["\n".join(tagged)] if tagged else []), *_FENCE.findall(text), text]


def _calls_in(candidate: str, tool_names: frozenset[str] | None) -> list[Call]:
    calls = _calls_from_python(candidate, tool_names)
    if calls:
        return calls
    calls = [call for value in _json_values(candidate)[0] for call in _calls_from_json(value)]
    if calls:
        return calls
    pieces = [piece for line in candidate.splitlines() for piece in line.split(";")]
    calls = [call for piece in pieces for call in _calls_from_python(piece, tool_names) or []]
    return calls or [call for line in candidate.splitlines() for call in _embedded_python(line, tool_names)]


def parse_calls(output: str, tool_names: frozenset[str] | None = None) -> list[Call]:
    """The tool calls in `output`, [] for plain text; raises CallParseError on a call it cannot read.

    With `tool_names`, a line such as "Thursday (1776)" (positional arguments, not a tool) is prose."""
    for candidate in _candidates(output):
        calls = _calls_in(candidate, tool_names)
        if calls:
            return calls
    if re.search(r"""["']name["']\s*:""", _json_values(output)[1]):  # outside any well-formed JSON
        raise CallParseError("the output holds a call-like object that is not valid JSON")
    return []
