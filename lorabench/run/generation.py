"""Batched generation for one model: every selected case's answer, generated once, on first need.

The first test that asks for an answer triggers generation for all selected cases, so the model
works in full batches instead of one prompt at a time. The answers go through the one cache loop
(`lorabench.run.cached_generation`): cached ones first, each new one stored the moment it is finished.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from benchmarks.categories import max_new_tokens_for
from lorabench.backends.base import Backend, Generation, GenerationParams, Request
from lorabench.run.cache import GenerationCache, generation_key
from lorabench.run.cached_generation import CachedRequests, Spending, batch_size_for, generate_with_cache
from lorabench.run.prompting import case_messages

Case = dict[str, Any]


def model_request(backend: Backend, case: Case, max_new_tokens: int) -> Request:
    """`case` as `backend` sees it: messages, tools, the rendered prompt, and its cache key."""
    messages = case_messages(case)
    tools = case.get("tools")
    prompt = backend.render(messages, tools)
    params = GenerationParams(max_new_tokens=max_new_tokens)
    return Request(case, messages, tools, prompt, params, generation_key(backend.identity_hash(), prompt, params))


class ModelRun:
    """The answers of one model for the cases selected in this pytest session."""

    def __init__(
        self,
        backend: Backend,
        cache: GenerationCache | None,
        cases: list[Case],
        batch_size: int | None = None,
        show_progress: bool = True,
        limits: Mapping[str, int] | None = None,
    ) -> None:
        """`batch_size`: the option (None: the entry's, else the backend's); `limits`: max_new_tokens per
        category where it differs from the category's default."""
        self.backend = backend
        self.cache = cache if backend.cacheable else None
        self.selected = {case["id"]: case for case in cases}
        self.batch_size = batch_size_for(backend, batch_size)
        self.show_progress = show_progress
        self.limits = max_new_tokens_for(limits)  # per category: the table's, or the model's override
        self.answers: dict[str, Generation] = {}
        self.requests: dict[str, Request] = {}
        self.spent = Spending()
        # Set when the model shares an engine with other models of the run: generates their answers too.
        self.together: Callable[[], None] | None = None

    def request_for(self, case: Case) -> Request:
        if case["id"] not in self.requests:
            self.requests[case["id"]] = model_request(self.backend, case, self.limits[case["category"]])
        return self.requests[case["id"]]

    def answer(self, case: Case) -> Generation:
        """The model's answer to `case`, generating every selected case's answer if needed."""
        if case["id"] not in self.answers:
            self.selected.setdefault(case["id"], case)
            if self.together is not None:
                self.together()
            if case["id"] not in self.answers:
                self.generate_all()
        return self.answers[case["id"]]

    def unanswered(self) -> list[Request]:
        return [self.request_for(case) for case in self.selected.values() if case["id"] not in self.answers]

    def generate_all(self) -> None:
        label = f"generating {self.backend.spec.name}" if self.show_progress else None
        answers = generate_with_cache(
            self.backend, self.cache, self.unanswered(), self.batch_size, self.spent, progress=label
        )
        for request, generation in answers:
            self.answers[request.case["id"]] = generation

    def split_by_cache(self) -> CachedRequests:
        """The unanswered requests, the cached ones taken at once (for a pass shared with other models)."""
        split = CachedRequests(self.backend, self.cache, self.unanswered())
        for request, generation in split.cached:
            self.answers[request.case["id"]] = generation
        return split
