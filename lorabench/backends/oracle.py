"""Backends that answer from the case data: they validate cases and graders, not models.

`oracle` writes the expected answer of each case in the format the instructions ask for, so a
grader or case that rejects it is broken. `oracle-shuffled` answers each case with the oracle answer
of the next case of its category, so a grader that passes those is too lenient.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from benchmarks.categories import CATEGORIES
from lorabench.backends.base import Backend, BackendContext, Generation, ModelSpec, Request, stream_by_batch
from lorabench.backends.registration import register_backend
from lorabench.run.prompting import Message, Tools


def oracle_answer(case: dict[str, Any]) -> str:
    """The correct answer to `case`, phrased as the category's instruction asks (the category table's
    `oracle_answer` column)."""
    return CATEGORIES[case["category"]].oracle_answer(case)


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
