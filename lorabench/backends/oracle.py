"""Backends that answer from the case data: they validate cases and graders, not models.

`oracle` writes the expected answer of each case in the format the instructions ask for, so a
grader or case that rejects it is broken. `oracle-shuffled` answers each case with the oracle answer
of the next case of its category, so a grader that passes those is too lenient.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lorabench.backends.base import Backend, BackendContext, Generation, ModelSpec, Request, stream_by_batch
from lorabench.backends.registration import register_backend
from lorabench.run.prompting import Message, Tools


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def oracle_arguments(call: dict[str, Any]) -> dict[str, Any]:
    """The arguments the oracle sends for an expected call: each argument's first non-null accepted
    value; an argument whose only accepted value is null is left out."""
    arguments = {}
    for name, accepted in call["arguments"].items():
        present = [value for value in accepted if value is not None]
        if present:
            arguments[name] = present[0]
    return arguments


def _expected_calls_json(calls: list[dict[str, Any]]) -> str:
    return json.dumps([{"name": call["name"], "arguments": oracle_arguments(call)} for call in calls])


def oracle_answer(case: dict[str, Any]) -> str:
    """The correct answer to `case`, phrased as the category's instruction asks."""
    category = case["category"]
    if category == "math":
        return f"Answer: {_number_text(case['answer'])}"
    if category == "mcq":
        return f"Answer: {case['answer']}"
    if category == "function_calling":
        if not case["expected_calls"]:
            return "None of the available tools fits this request, so here is a direct answer instead."
        return _expected_calls_json(case["expected_calls"])
    if category == "situational":
        if case.get("accepted"):
            return f"Answer: {case['accepted'][0]}"
        return "Answer: " + " ".join(case["required_keywords"])
    return str(case["reference_answer"])


@register_backend("oracle")
class OracleBackend(Backend):
    cacheable = False
    default_batch_size = 1024

    def identity(self) -> dict[str, Any]:
        return {"backend": self.name}

    def render(self, messages: list[Message], tools: Tools | None) -> str:
        return json.dumps({"messages": messages, "tools": tools}, sort_keys=True)

    def answer(self, request: Request) -> str:
        return oracle_answer(request.case)

    def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
        return stream_by_batch(requests, batch_size, self._answer_batch)

    def _answer_batch(self, batch: list[Request]) -> list[Generation]:
        return [Generation(self.answer(r), 0, 0, 0.0, "stop") for r in batch]


@register_backend("oracle-shuffled")
class ShuffledOracleBackend(OracleBackend):
    """Each case gets the oracle answer of the next case of its category (by id, wrapping around);
    a case alone in its category gets the next case's answer overall."""

    def __init__(self, spec: ModelSpec, context: BackendContext) -> None:
        super().__init__(spec, context)
        everything = sorted((c for cases in context.cases_by_category.values() for c in cases), key=lambda c: c["id"])
        self._donor: dict[str, dict[str, Any]] = {}
        for cases in context.cases_by_category.values():
            ordered = sorted(cases, key=lambda c: c["id"])
            for index, case in enumerate(ordered):
                if len(ordered) > 1:
                    self._donor[case["id"]] = ordered[(index + 1) % len(ordered)]
                else:
                    self._donor[case["id"]] = everything[(everything.index(case) + 1) % len(everything)]

    def answer(self, request: Request) -> str:
        return oracle_answer(self._donor[request.case["id"]])
