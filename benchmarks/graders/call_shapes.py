"""Which JSON values are tool calls: the object shapes models write, told apart from data by the
case's tool names.

A call names its tool under `name`, `function` or `tool`, and gives its arguments under
`arguments`, `parameters` or `args` (an object, or that object as a JSON string), or flat beside the
name. The flat form is only a call when the name is one of the case's tools: `{"name": "Paris",
"country": "France"}` is data. The nested form is a call whatever the name (a wrong name is then
reported as an unknown function), since no answer writes data in that shape by accident.
"""

from __future__ import annotations

import json
import math
from typing import Any

Call = dict[str, Any]
ToolNames = frozenset[str] | None

NAME_KEYS = ("name", "function", "tool")
ARGUMENT_KEYS = ("arguments", "parameters", "args")
_WRAPPER_KEYS = {"type", "id", "index", "call_id", "function"}
_NESTED_EXTRA_KEYS = {"type", "id", "index", "call_id"}
MAX_DEPTH = 32
MAX_INT_DIGITS = 300
MAX_ARGUMENT_TEXT = 20_000


class CallParseError(ValueError):
    """The output tries to call a tool but cannot be read as calls."""


class OutOfRange(CallParseError):
    """A value no grader can compare: a number beyond float range, NaN, or nesting too deep."""


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise OutOfRange(f"a {digits}-digit number is out of range")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise OutOfRange(f"the number {text[:20]} is out of range")
    return value


def _constant(name: str) -> Any:
    raise OutOfRange(f"{name} is not a number JSON allows")


DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)


def check_depth(value: Any) -> Any:
    """`value`, or OutOfRange when it nests deeper than MAX_DEPTH (checked without recursion)."""
    level = [value]
    for _ in range(MAX_DEPTH + 1):
        level = [
            child
            for item in level
            if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return value
    raise OutOfRange(f"a value nested deeper than {MAX_DEPTH} levels")


def decode_json(text: str, start: int = 0) -> tuple[Any, int]:
    """One JSON value at `text[start:]` and where it ends; JSONDecodeError when there is none there,
    OutOfRange when it holds a number or nesting no grader can compare."""
    try:
        value, end = DECODER.raw_decode(text, start)
    except RecursionError:
        raise OutOfRange(f"a value nested deeper than {MAX_DEPTH} levels") from None
    except OutOfRange:
        raise
    except ValueError as exc:  # int() digit limits and the like surface as plain ValueError
        if isinstance(exc, json.JSONDecodeError):
            raise
        raise OutOfRange(str(exc)) from None
    return check_depth(value), end


def decoded_arguments(name: str, arguments: Any) -> dict[str, Any]:
    """The arguments as an object: OpenAI sends them as a JSON-encoded string."""
    if isinstance(arguments, str):
        if len(arguments) > MAX_ARGUMENT_TEXT:
            raise CallParseError(f"the arguments of {name} are over {MAX_ARGUMENT_TEXT:,} characters")
        if not arguments.strip():
            return {}
        try:
            arguments = decode_json(arguments.strip())[0]
        except json.JSONDecodeError as exc:
            raise CallParseError(f"the arguments of {name} are not valid JSON ({exc.msg})") from None
    if arguments is None:
        return {}
    if not isinstance(arguments, dict):
        raise CallParseError(f"the arguments of {name} must be an object, not {type(arguments).__name__}")
    return arguments


def _is_definition(item: dict[str, Any]) -> bool:
    """A tool definition echoed back ({"name", "description", "parameters": {"properties": ...}})."""
    parameters = item.get("parameters")
    return "description" in item and isinstance(parameters, dict) and "properties" in parameters


def _name_key(item: dict[str, Any], tool_names: ToolNames) -> str | None:
    """The key naming the tool: the first holding one of the tools, else the first holding a string."""
    keys = [key for key in NAME_KEYS if isinstance(item.get(key), str)]
    known = [key for key in keys if tool_names is None or item[key] in tool_names]
    return (known or keys or [None])[0]


def as_call(item: Any, tool_names: ToolNames) -> Call | None:
    """One JSON value as {name, arguments}; None when it is data, not a call."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("function"), dict) and set(item) <= _WRAPPER_KEYS:  # OpenAI tool_calls item
        item = item["function"]
    key = _name_key(item, tool_names)
    if key is None or _is_definition(item):
        return None
    name = item[key]
    rest = {other: value for other, value in item.items() if other != key}
    nested = [other for other in ARGUMENT_KEYS if other in rest and isinstance(rest[other], (dict, str, type(None)))]
    if len(nested) == 1 and set(rest) - {nested[0]} <= _NESTED_EXTRA_KEYS:
        return {"name": name, "arguments": decoded_arguments(name, rest[nested[0]])}
    if tool_names is None or name not in tool_names:
        return None  # the flat form needs a known tool name to tell it from data
    if rest.get("type") == "function":
        del rest["type"]
    return {"name": name, "arguments": rest}


def calls_in_value(value: Any, tool_names: ToolNames) -> list[Call] | None:
    """The calls in one JSON value: a call, a list of calls, or {"tool_calls": [...]}; None for data
    (a list counts only when every item is a call)."""
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        value = value["tool_calls"]
    items = value if isinstance(value, list) else [value]
    calls = [as_call(item, tool_names) for item in items]
    if not calls or any(call is None for call in calls):
        return None
    return [call for call in calls if call is not None]
