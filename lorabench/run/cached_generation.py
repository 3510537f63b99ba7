"""The one "read the cache, generate the rest, store each answer at once" loop, for models and the judge.

Cached answers come first. Requests with equal prompts (equal cache keys) are generated once and all
get that answer. Every new answer is made valid text (`lorabench.run.valid_text`) and stored the moment
it is finished, before anyone sees it, so an interruption loses only the answers still in flight.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from lorabench.backends.base import Backend, Generation, Request
from lorabench.run.cache import GenerationCache
from lorabench.run.valid_text import valid_generation

Answered = tuple[Request, Generation]


def batch_size_for(backend: Backend, option: int | None) -> int:
    """Prompts decoded together: the option, else the registry entry's `batch_size`, else the backend's."""
    return option or backend.spec.batch_size or backend.default_batch_size


@dataclass
class Spending:
    """What new generations cost (cached answers are free): calls, prompt plus reply tokens, reply tokens,
    and the wall seconds spent generating."""

    calls: int = 0
    tokens: int = 0
    reply_tokens: int = 0
    seconds: float = 0.0

    def add(self, generation: Generation) -> None:
        self.calls += 1
        self.tokens += generation.prompt_tokens + generation.completion_tokens
        self.reply_tokens += generation.completion_tokens


@dataclass
class Budget:
    """Limits on new generations; None is no limit. Checked before each start and after each answer, so a
    token limit may be passed by the answer that reaches it, never by the one after."""

    max_calls: int | None = None
    max_tokens: int | None = None

    def allows_more(self, spent: Spending) -> bool:
        calls_ok = self.max_calls is None or spent.calls < self.max_calls
        return calls_ok and (self.max_tokens is None or spent.tokens < self.max_tokens)

    def calls_left(self, spent: Spending) -> int | None:
        return None if self.max_calls is None else max(self.max_calls - spent.calls, 0)


class CachedRequests:
    """Requests split into those the cache answers and those left to generate, one per cache key."""

    def __init__(self, backend: Backend, cache: GenerationCache | None, requests: list[Request]) -> None:
        self.backend = backend
        self.cache = cache
        found = cache.get_many(request.key for request in requests) if cache else {}
        self.cached: list[Answered] = [(request, found[request.key]) for request in requests if request.key in found]
        self.waiting: dict[str, list[Request]] = {}  # cache key -> every request with that prompt
        for request in requests:
            if request.key not in found:
                self.waiting.setdefault(request.key, []).append(request)

    def to_generate(self) -> list[Request]:
        """One request per prompt still to generate, in the order they were asked for."""
        return [same[0] for same in self.waiting.values()]

    def store(self, request: Request, raw: Generation) -> tuple[Generation, list[Request]]:
        """A finished answer, made valid text and stored at once, and every request with its prompt."""
        generation = valid_generation(raw)
        if self.cache is not None:
            entry = (request.key, request.prompt, request.params, generation)
            self.cache.put_many(self.backend.identity_hash(), [entry])
        return generation, self.waiting.pop(request.key, [request])


def generate_with_cache(
    backend: Backend,
    cache: GenerationCache | None,
    requests: list[Request],
    batch_size: int,
    spent: Spending,
    budget: Budget | None = None,
    progress: str | None = None,
) -> Iterator[Answered]:
    """Every request's answer: the cached ones, then new ones while `budget` allows (the requests past it
    get none). `spent` adds up the new ones; `progress` labels a progress bar over them (None: no bar)."""
    budget = budget or Budget()
    split = CachedRequests(backend, cache, requests)
    yield from split.cached
    unique = split.to_generate()[: budget.calls_left(spent)]
    if not unique or not budget.allows_more(spent):
        return
    bar = ProgressBar(progress, len(unique)) if progress is not None else None
    started = time.perf_counter()
    try:
        for request, raw in backend.generate_stream(unique, batch_size):
            generation, same_prompt = split.store(request, raw)
            spent.add(generation)
            for each in same_prompt:
                yield each, generation
            if bar is not None:
                bar.advance(generation)
            if not budget.allows_more(spent):
                break
    finally:
        spent.seconds += time.perf_counter() - started
        if bar is not None:
            bar.close()


class ProgressBar:
    """A tqdm bar over the new answers of one pass, with its reply tokens per second."""

    def __init__(self, label: str, total: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit="case", desc=label, dynamic_ncols=True)
        self.reply_tokens = 0
        self.started = time.perf_counter()

    def advance(self, generation: Generation) -> None:
        self.reply_tokens += generation.completion_tokens
        self.bar.update(1)
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        self.bar.set_postfix(tok_s=f"{self.reply_tokens / elapsed:.1f}")

    def close(self) -> None:
        self.bar.close()
