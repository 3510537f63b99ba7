"""Batched generation for one model: every selected case's answer, generated once, on first need.

The first test that asks for an answer triggers generation for all selected cases, so the model
works in full batches instead of one prompt at a time. Cached answers are taken first; each answer is
written to the cache the moment it is finished, so an interruption loses only the answers in flight.
Every answer's text is made valid Unicode first (`lorabench.run.valid_text`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from benchmarks.categories import max_new_tokens_for
from lorabench.backends.base import Backend, Generation, GenerationParams, Request
from lorabench.run.cache import GenerationCache, generation_key
from lorabench.run.prompting import case_messages
from lorabench.run.valid_text import valid_generation

Case = dict[str, Any]


class ModelRun:
    """The answers of one model for the cases selected in this pytest session."""

    def __init__(
        self,
        backend: Backend,
        cache: GenerationCache | None,
        cases: list[Case],
        batch_size: int | None = None,
        show_progress: bool = True,
        limits: dict[str, int] | None = None,
    ) -> None:
        self.backend = backend
        self.cache = cache if backend.cacheable else None
        self.selected = {case["id"]: case for case in cases}
        self.batch_size = batch_size or backend.default_batch_size
        self.show_progress = show_progress
        self.limits = max_new_tokens_for(limits)  # per category: the table's, or the model's override
        self.answers: dict[str, Generation] = {}
        self.requests: dict[str, Request] = {}
        self.generation_seconds = 0.0
        # Set when the model shares an engine with other models of the run: generates their answers too.
        self.together: Callable[[], None] | None = None

    def params_for(self, case: Case) -> GenerationParams:
        return GenerationParams(max_new_tokens=self.limits[case["category"]])

    def request_for(self, case: Case) -> Request:
        if case["id"] not in self.requests:
            messages = case_messages(case)
            tools = case.get("tools")
            prompt = self.backend.render(messages, tools)
            params = self.params_for(case)
            key = generation_key(self.backend.identity_hash(), prompt, params)
            self.requests[case["id"]] = Request(case, messages, tools, prompt, params, key)
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

    def missing(self) -> dict[str, list[Request]]:
        """Take every cached answer; the requests still to generate, grouped by cache key (equal prompts
        are generated once)."""
        pending = [self.request_for(c) for c in self.selected.values() if c["id"] not in self.answers]
        cached = self.cache.get_many(r.key for r in pending) if self.cache else {}
        missing: dict[str, list[Request]] = {}
        for request in pending:
            if request.key in cached:
                self.answers[request.case["id"]] = cached[request.key]
            else:
                missing.setdefault(request.key, []).append(request)
        return missing

    def generate_all(self) -> None:
        missing = self.missing()
        unique = [same_prompt[0] for same_prompt in missing.values()]
        if unique:
            self._generate(unique, missing)

    def keep(self, request: Request, raw: Generation, by_key: dict[str, list[Request]]) -> Generation:
        """Save a finished answer at once (cache, then every case with the same prompt), made valid
        text first so that it can be stored and graded whatever the backend sent."""
        generation = valid_generation(raw)
        if self.cache:
            identity = self.backend.identity_hash()
            self.cache.put_many(identity, [(request.key, request.prompt, request.params, generation)])
        for same in by_key[request.key]:
            self.answers[same.case["id"]] = generation
        return generation

    def _generate(self, unique: list[Request], by_key: dict[str, list[Request]]) -> None:
        from tqdm import tqdm

        bar = tqdm(
            total=len(unique),
            unit="case",
            desc=f"generating {self.backend.spec.name}",
            disable=not self.show_progress,
            dynamic_ncols=True,
        )
        tokens = 0
        started = time.perf_counter()
        try:
            for request, raw in self.backend.generate_stream(unique, self.batch_size):
                generation = self.keep(request, raw, by_key)
                tokens += generation.completion_tokens
                bar.update(1)
                bar.set_postfix(tok_s=f"{tokens / max(time.perf_counter() - started, 1e-9):.1f}")
        finally:
            self.generation_seconds += time.perf_counter() - started
            bar.close()
