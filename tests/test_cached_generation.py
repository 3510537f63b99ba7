"""The one cache loop of models and the judge: cached first, each answer stored at once, equal prompts once,
a budget that stops cleanly, nothing finished lost to an interruption, and one batch-size rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lorabench.backends.base import Backend, BackendContext, Generation, GenerationParams, ModelSpec, Request
from lorabench.run.cache import GenerationCache
from lorabench.run.cached_generation import Budget, Spending, batch_size_for, generate_with_cache


class StreamBackend(Backend):
    """Answers each prompt with its text reversed, one by one; records what it was asked to generate, and
    before each answer notes which earlier answers the cache already holds."""

    name = "stream"
    default_batch_size = 5

    def __init__(self, cache: GenerationCache | None = None, stop_after: int | None = None, **spec: Any) -> None:
        super().__init__(ModelSpec("stream", "stream", **spec), BackendContext(Path(".")))
        self.cache, self.stop_after = cache, stop_after
        self.asked: list[str] = []
        self.suffix = ""  # added to every answer
        self.batch_sizes: list[int] = []
        self.stored_before: list[int] = []  # before answer n: how many of answers 0..n-1 were in the cache

    def identity(self) -> dict[str, Any]:
        return {"backend": self.name}

    def render(self, messages: list[dict[str, str]], tools: Any) -> str:
        return messages[0]["content"]

    def generate(self, batch: list[Request]) -> list[Generation]:
        raise AssertionError("the loop streams")

    def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
        self.asked = [request.prompt for request in requests]
        self.batch_sizes.append(batch_size)
        for number, request in enumerate(requests):
            if number == self.stop_after:
                raise KeyboardInterrupt
            if self.cache is not None:
                self.stored_before.append(len(self.cache.get_many(r.key for r in requests[:number])))
            yield request, Generation(request.prompt[::-1] + self.suffix, 10, 5, 0.1, "stop")


def request(case_id: str, prompt: str) -> Request:
    return Request({"id": case_id}, [], None, prompt, GenerationParams(8), key=f"key-{prompt}")


def answered(backend: Backend, cache: GenerationCache | None, requests: list[Request], **kw: Any) -> dict[str, str]:
    spent = kw.pop("spent", Spending())
    return {r.case["id"]: g.text for r, g in generate_with_cache(backend, cache, requests, 2, spent, **kw)}


@pytest.fixture
def cache(tmp_path: Path) -> GenerationCache:
    return GenerationCache(tmp_path / "cache.sqlite")


def test_cached_answers_come_first_and_only_the_rest_is_generated(cache: GenerationCache) -> None:
    cache.put_many("m", [("key-bb", "bb", GenerationParams(8), Generation("cached bb", 1, 1, 0.0, "stop"))])
    backend = StreamBackend()
    requests = [request("a", "aa"), request("b", "bb"), request("c", "cc")]
    results = list(generate_with_cache(backend, cache, requests, 2, Spending()))
    assert [(r.case["id"], g.text, g.from_cache) for r, g in results] == [
        ("b", "cached bb", True),
        ("a", "aa", False),
        ("c", "cc", False),
    ]
    assert backend.asked == ["aa", "cc"]


def test_each_answer_is_stored_before_the_next_is_generated(cache: GenerationCache) -> None:
    backend = StreamBackend(cache)
    answered(backend, cache, [request(n, n * 2) for n in "abcd"])
    assert backend.stored_before == [0, 1, 2, 3]
    stored = cache.get_many(f"key-{n * 2}" for n in "abcd")
    assert {key: g.text for key, g in stored.items()} == {f"key-{n * 2}": n * 2 for n in "abcd"}


def test_an_interruption_mid_stream_keeps_every_finished_answer(cache: GenerationCache) -> None:
    spent = Spending()
    got: dict[str, str] = {}
    with pytest.raises(KeyboardInterrupt):
        for r, g in generate_with_cache(StreamBackend(stop_after=2), cache, [request(n, n) for n in "abcd"], 2, spent):
            got[r.case["id"]] = g.text
    assert got == {"a": "a", "b": "b"}
    assert sorted(cache.get_many(["key-a", "key-b", "key-c", "key-d"])) == ["key-a", "key-b"]
    assert spent.calls == 2 and spent.seconds > 0, "the time spent before the interruption is counted"


def test_equal_prompts_are_generated_once_and_all_get_the_answer(cache: GenerationCache) -> None:
    backend, spent = StreamBackend(), Spending()
    requests = [request("a", "same"), request("b", "other"), request("c", "same")]
    assert answered(backend, cache, requests, spent=spent) == {"a": "emas", "b": "rehto", "c": "emas"}
    assert backend.asked == ["same", "other"] and spent.calls == 2


def test_a_call_budget_asks_for_no_more_and_cached_answers_are_free(cache: GenerationCache) -> None:
    cache.put_many("m", [("key-z", "z", GenerationParams(8), Generation("cached", 1, 1, 0.0, "stop"))])
    backend, spent = StreamBackend(), Spending(calls=1)  # one call already spent by an earlier pass
    requests = [request("z", "z"), *(request(n, n) for n in "abcd")]
    assert answered(backend, cache, requests, spent=spent, budget=Budget(max_calls=3)) == {
        "z": "cached",
        "a": "a",
        "b": "b",
    }
    assert backend.asked == ["a", "b"] and spent.calls == 3
    exhausted = StreamBackend()
    assert answered(exhausted, cache, requests, spent=spent, budget=Budget(max_calls=3)) == {
        "z": "cached",
        "a": "a",
        "b": "b",
    }
    assert exhausted.asked == []


def test_a_token_budget_stops_after_the_answer_that_reaches_it(cache: GenerationCache) -> None:
    backend, spent = StreamBackend(), Spending()
    got = answered(backend, cache, [request(n, n) for n in "abcd"], spent=spent, budget=Budget(max_tokens=30))
    assert got == {"a": "a", "b": "b"} and spent.tokens == 30  # 15 tokens an answer
    assert answered(StreamBackend(), None, [request("e", "e")], spent=spent, budget=Budget(max_tokens=30)) == {}


def test_an_answer_is_made_valid_text_before_it_is_stored(cache: GenerationCache) -> None:
    backend = StreamBackend()
    backend.suffix = " \ud800"  # a lone surrogate: SQLite refuses it, so the answer would be lost
    assert answered(backend, cache, [request("a", "x")]) == {"a": "x \ufffd"}
    assert cache.get_many(["key-x"])["key-x"].text == "x \ufffd"


def test_batch_size_is_the_option_else_the_entry_else_the_backend() -> None:
    assert batch_size_for(StreamBackend(batch_size=7), 3) == 3
    assert batch_size_for(StreamBackend(batch_size=7), None) == 7
    assert batch_size_for(StreamBackend(), None) == 5


def test_models_and_the_judge_decide_their_batch_size_by_that_rule(tmp_path: Path) -> None:
    """--batch-size is the models' option: a model takes it over its entry's; the judge has none of its own
    on the command line, so it takes its entry's (prometheus: 16), whatever --batch-size says."""
    from lorabench.run.generation import ModelRun
    from lorabench.run.judging import JudgeRun, JudgeSettings
    from tests.conftest import SMALL_SET

    model = StreamBackend(batch_size=7)
    ModelRun(model, None, SMALL_SET[:2], batch_size=3, show_progress=False).generate_all()
    judge = StreamBackend(batch_size=7)
    judged = [(case, "an answer") for case in SMALL_SET if case["category"].startswith("judge")][:1]
    JudgeRun(judge, None, JudgeSettings(retries=0)).judge(judged)
    assert (model.batch_sizes, judge.batch_sizes) == ([3], [7])
