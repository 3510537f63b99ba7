"""Load benchmark case files and reject malformed ones with a one-line, file:line error."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import jsonschema

from benchmarks.categories import CATEGORIES, judged_names

CASES_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "cases"
SCHEMA_PATH = CASES_DIR / "schema.json"
# CATEGORIES is the category table itself (keyed by name, so `in`, iteration and joins read names). The
# judged names as they stood at import, for callers that only ask whether a category is judged:
JUDGE_CATEGORIES = judged_names()

Case = dict[str, Any]


class CaseError(ValueError):
    """A case file problem; the message is one line that names file:line, case id and field."""


def case_schema() -> dict[str, Any]:
    """`schema.json`, checked against the category table: its `category` enum and its enum of judged
    categories (`$defs.judged_category`: those cases need a reference answer and a rubric) must name the
    table's categories, so that an edit to one of the two cannot silently disagree with the other."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    enums = {
        "properties.category.enum": (schema.get("properties", {}).get("category", {}).get("enum"), list(CATEGORIES)),
        "$defs.judged_category.enum": (schema.get("$defs", {}).get("judged_category", {}).get("enum"), judged_names()),
    }
    for at, (listed, names) in enums.items():
        if not isinstance(listed, list) or set(listed) != set(names):
            raise CaseError(
                f"{SCHEMA_PATH}: {at} is {listed}, but benchmarks/categories.py has {list(names)}: make them the same"
            )
    return schema


_VALIDATORS: dict[tuple[Path, tuple[str, ...], tuple[str, ...]], jsonschema.protocols.Validator] = {}


def _validator() -> jsonschema.protocols.Validator:
    """The case validator, checked against the table as it is now (a test may add a category to it)."""
    key = (SCHEMA_PATH, tuple(CATEGORIES), judged_names())
    if key not in _VALIDATORS:
        _VALIDATORS[key] = jsonschema.Draft202012Validator(case_schema())
    return _VALIDATORS[key]


def _schema_error(case: Case) -> str | None:
    """The most specific schema violation of `case`, phrased for a person, or None."""
    errors = list(_validator().iter_errors(case))
    if not errors:
        return None
    error = jsonschema.exceptions.best_match(errors)
    field = ".".join(str(part) for part in error.absolute_path) or "(case)"
    return f"field {field}: {error.message}"


def _tool_schema_error(tools: list[dict[str, Any]]) -> str | None:
    """The first tool whose `parameters` is not a valid JSON Schema (graders validate arguments with it)."""
    for index, tool in enumerate(tools):
        try:
            jsonschema.Draft202012Validator.check_schema(tool["function"]["parameters"])
        except jsonschema.SchemaError as error:  # check_schema already picked the best match
            path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
            at = f"at {path.removeprefix('.')}: " if path else ""
            return f"tools[{index}].parameters: {at}{error.message.splitlines()[0][:300]}"
    return None


def _semantic_error(case: Case) -> str | None:
    """Cross-field rules a JSON schema cannot express."""
    if case["category"] == "mcq" and case["answer"] not in case["options"]:
        return f"field answer: {case['answer']!r} is not one of the options {sorted(case['options'])}"
    if case["category"] == "function_calling":
        schema_error = _tool_schema_error(case["tools"])
        if schema_error:
            return schema_error
        names = {tool["function"]["name"] for tool in case["tools"]}
        for call in case["expected_calls"]:
            if call["name"] not in names:
                return f"field expected_calls: {call['name']!r} is not a tool of this case"
    return None


class _NotJsonNumber(ValueError):
    """NaN and Infinity: Python's json reads them, JSON does not have them."""


def _no_constant(name: str) -> Any:
    raise _NotJsonNumber(f"{name} is not a JSON number")


def parse_case_line(line: str, where: str, category: str) -> Case:
    """Parse and validate one JSONL line; `where` is the 'file:line' used in errors."""
    try:
        case = json.loads(line, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise CaseError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from None
    except _NotJsonNumber as exc:
        raise CaseError(f"{where}: invalid JSON: {exc}") from None
    except RecursionError:
        raise CaseError(f"{where}: invalid JSON: nested too deeply") from None
    if not isinstance(case, dict):
        raise CaseError(f"{where}: a case must be a JSON object, got {type(case).__name__}")
    case_id = case.get("id", "<no id>")
    problem = _schema_error(case)
    if problem is None and case["category"] != category:
        problem = f"field category: {case['category']!r} does not match the file's category {category!r}"
    problem = problem or _semantic_error(case)
    if problem:
        raise CaseError(f"{where}: case {case_id}: {problem}")
    return case


def _read_utf8(path: Path) -> str:
    """The file's text; an error naming file:line:column of the first byte that is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaseError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    data = data.removeprefix(codecs.BOM_UTF8)  # the byte-order mark some editors write is not an error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        raise CaseError(
            f"{path}:{line}:{column}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


def _read_case_file(path: Path) -> list[tuple[str, Case]]:
    """(file:line, case) for every case of one `<category>.jsonl`; blank lines are allowed."""
    category = path.stem
    if category not in CATEGORIES:
        raise CaseError(f"{path}: unknown category file (expected one of {', '.join(CATEGORIES)})")
    located = []
    for number, line in enumerate(_read_utf8(path).split("\n"), start=1):
        if line.strip():
            where = f"{path}:{number}"
            located.append((where, parse_case_line(line, where, category)))
    return located


def load_cases(cases_dir: Path = CASES_DIR) -> dict[str, list[Case]]:
    """Every category's cases from `cases_dir`, in file order; duplicate ids across files are an error."""
    if not cases_dir.is_dir():
        raise CaseError(f"{cases_dir}: cases directory not found")
    for stray in sorted(cases_dir.glob("*.jsonl")):
        if stray.stem not in CATEGORIES:
            raise CaseError(f"{stray}: unknown category file (expected one of {', '.join(CATEGORIES)})")
    by_category: dict[str, list[Case]] = {}
    first_seen: dict[str, str] = {}
    for category in CATEGORIES:
        path = cases_dir / f"{category}.jsonl"
        located = _read_case_file(path) if path.exists() else []
        for where, case in located:
            if case["id"] in first_seen:
                raise CaseError(f"{where}: case {case['id']}: duplicate id (first at {first_seen[case['id']]})")
            first_seen[case["id"]] = where
        by_category[category] = [case for _, case in located]
    return by_category
