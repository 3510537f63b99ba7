"""A case's correct answer written out two ways: as the oracle model says it, and as a report shows it.

The oracle's answers (`oracle_*`) follow the format each category's instruction asks for, so a grader or a
case that rejects them is broken. The report texts (`expected_*`) are a few words for a person reading a
report. `benchmarks/categories.py` names the pair each category uses.
"""

from __future__ import annotations

import json
from typing import Any

Case = dict[str, Any]


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def oracle_number(case: Case) -> str:
    return f"Answer: {_number_text(case['answer'])}"


def oracle_letter(case: Case) -> str:
    return f"Answer: {case['answer']}"


def oracle_arguments(call: dict[str, Any]) -> dict[str, Any]:
    """The arguments the oracle sends for an expected call: each argument's first non-null accepted
    value; an argument whose only accepted value is null is left out."""
    arguments = {}
    for name, accepted in call["arguments"].items():
        present = [value for value in accepted if value is not None]
        if present:
            arguments[name] = present[0]
    return arguments


def oracle_calls(case: Case) -> str:
    """The expected calls as a JSON list; a plain-text answer where no tool fits."""
    if not case["expected_calls"]:
        return "None of the available tools fits this request, so here is a direct answer instead."
    return json.dumps([{"name": call["name"], "arguments": oracle_arguments(call)} for call in case["expected_calls"]])


def oracle_short_answer(case: Case) -> str:
    if case.get("accepted"):
        return f"Answer: {case['accepted'][0]}"
    return "Answer: " + " ".join(case["required_keywords"])


def oracle_reference(case: Case) -> str:
    return str(case["reference_answer"])


def expected_number(case: Case) -> str:
    tolerance = case.get("tolerance")
    return f"{case['answer']}" + (f" ± {tolerance}" if tolerance else "")


def expected_option(case: Case) -> str:
    return f"{case['answer']}) {case['options'][case['answer']]}"


def expected_calls(case: Case) -> str:
    if not case["expected_calls"]:
        return "no tool call"
    return "; ".join(
        f"{call['name']}(" + ", ".join(f"{k}∈{v}" for k, v in call["arguments"].items()) + ")"
        for call in case["expected_calls"]
    )


def expected_short_answer(case: Case) -> str:
    parts = []
    if case.get("accepted"):
        parts.append("one of: " + " | ".join(case["accepted"]))
    if case.get("required_keywords"):
        parts.append("all of: " + ", ".join(case["required_keywords"]))
    return " or ".join(parts)


def expected_judge_score(case: Case) -> str:
    return f"judge score ≥ {case.get('threshold', 4)}"
