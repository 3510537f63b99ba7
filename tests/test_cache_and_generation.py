"""Generation cache and batched generation: keys, batching, reuse, and nothing lost on a crash."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy  # noqa: F401 - imported before pytester snapshots sys.modules: numpy cannot be loaded twice
import pytest

from lorabench.backends.base import (
    Backend,
    BackendContext,
    Generation,
    GenerationParams,
    ModelSpec,
    Request,
    plan_batches,
    stream_by_batch,
)
from lorabench.run.cache import GenerationCache, generation_key
from lorabench.run.generation import ModelRun
from lorabench.run.notices import Notices
from lorabench.run.valid_text import valid_generation
from tests.conftest import BENCHMARKS, SMALL_SET, write_cases, write_script

DETERMINISTIC = [case for case in SMALL_SET if not case["category"].startswith("judge")]


class RecordingBackend(Backend):
    """Answers with the case id; records every batch; can fail on a chosen batch number."""

    name = "recording"
    default_batch_size = 2

    def __init__(self, fail_on_batch: int | None = None, weights: str = "w1") -> None:
        super().__init__(ModelSpec("recording", "recording"), BackendContext(Path(".")))
        self.batches: list[list[str]] = []
        self.fail_on_batch = fail_on_batch
        self.weights = weights

    def identity(self) -> dict[str, Any]:
        return {"backend": self.name, "weights": self.weights}

    def render(self, messages: list[dict[str, str]], tools: Any) -> str:
        return "|".join(m["content"] for m in messages)

    def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
        return stream_by_batch(requests, batch_size, self._answer_batch)

    def _answer_batch(self, batch: list[Request]) -> list[Generation]:
        if len(self.batches) == self.fail_on_batch:
            raise KeyboardInterrupt
        self.batches.append([r.case["id"] for r in batch])
        return [Generation(f"answer to {r.case['id']}", 3, 4, 0.5, "stop") for r in batch]


def test_key_depends_on_identity_prompt_and_params() -> None:
    base = generation_key("model-a", "prompt", GenerationParams(64))
    assert base == generation_key("model-a", "prompt", GenerationParams(64))
    assert base != generation_key("model-b", "prompt", GenerationParams(64))
    assert base != generation_key("model-a", "prompt!", GenerationParams(64))
    assert base != generation_key("model-a", "prompt", GenerationParams(65))


def test_cache_round_trip_in_wal_mode(tmp_path: Path) -> None:
    cache = GenerationCache(tmp_path / "c.sqlite")
    stored = Generation("hello", 1, 2, 0.25, "length")
    cache.put_many("model", [("k1", "prompt", GenerationParams(8), stored)])
    other = GenerationCache(tmp_path / "c.sqlite")  # a second connection, as a parallel worker would have
    found = other.get_many(["k1", "missing"])
    assert list(found) == ["k1"]
    assert (found["k1"].text, found["k1"].finish_reason, found["k1"].from_cache) == ("hello", "length", True)
    mode = sqlite3.connect(tmp_path / "c.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    row = sqlite3.connect(tmp_path / "c.sqlite").execute("SELECT model_identity, prompt, params FROM generations")
    assert row.fetchone() == ("model", "prompt", json.dumps(GenerationParams(8).to_dict())), "inspectable rows"


def test_a_look_up_of_many_keys_finds_every_one(tmp_path: Path) -> None:
    """SQLite caps the parameters of one query, so keys are looked up in chunks: a full benchmark of several
    models asks for more keys than one chunk holds, and every chunk must come back."""
    cache = GenerationCache(tmp_path / "c.sqlite")
    stored = [(f"k{n}", "prompt", GenerationParams(8), Generation(f"text {n}", 1, 2, 0.1, "stop")) for n in range(1234)]
    cache.put_many("model", stored)
    found = cache.get_many([key for key, *_ in stored] + ["absent"])
    assert len(found) == 1234 and "absent" not in found
    assert found["k0"].text == "text 0" and found["k777"].text == "text 777" and found["k1233"].text == "text 1233"


def test_batches_group_equal_params_longest_prompt_first() -> None:
    def request(case_id: str, prompt: str, max_new: int) -> Request:
        return Request({"id": case_id}, [], None, prompt, GenerationParams(max_new))

    requests = [request("a", "x", 10), request("b", "xxx", 20), request("c", "xx", 10), request("d", "xxxx", 10)]
    batches = [[r.case["id"] for r in batch] for batch in plan_batches(requests, 2)]
    assert batches == [["d", "c"], ["a"], ["b"]]


def test_first_answer_generates_every_selected_case_in_batches(tmp_path: Path) -> None:
    backend = RecordingBackend()
    run = ModelRun(backend, GenerationCache(tmp_path / "c.sqlite"), DETERMINISTIC, show_progress=False)
    first = run.answer(DETERMINISTIC[0])
    assert first.text == "answer to math-001" and not first.from_cache
    assert sorted([i for b in backend.batches for i in b]) == sorted(c["id"] for c in DETERMINISTIC)
    assert all(len(batch) <= 2 for batch in backend.batches)
    for case in DETERMINISTIC[1:]:
        run.answer(case)
    assert len([i for b in backend.batches for i in b]) == len(DETERMINISTIC), "no case is generated twice"


def test_warm_run_takes_everything_from_the_cache(tmp_path: Path) -> None:
    ModelRun(
        RecordingBackend(), GenerationCache(tmp_path / "c.sqlite"), DETERMINISTIC, show_progress=False
    ).generate_all()
    warm_backend = RecordingBackend()
    warm = ModelRun(warm_backend, GenerationCache(tmp_path / "c.sqlite"), DETERMINISTIC, show_progress=False)
    assert warm.answer(DETERMINISTIC[1]).from_cache
    assert warm_backend.batches == []


def test_other_weights_do_not_reuse_the_cache(tmp_path: Path) -> None:
    ModelRun(
        RecordingBackend(), GenerationCache(tmp_path / "c.sqlite"), DETERMINISTIC, show_progress=False
    ).generate_all()
    changed = RecordingBackend(weights="w2")
    ModelRun(changed, GenerationCache(tmp_path / "c.sqlite"), DETERMINISTIC, show_progress=False).generate_all()
    assert len([i for b in changed.batches for i in b]) == len(DETERMINISTIC)


def test_interrupt_keeps_finished_batches(tmp_path: Path) -> None:
    interrupted = RecordingBackend(fail_on_batch=1)
    run = ModelRun(interrupted, GenerationCache(tmp_path / "c.sqlite"), DETERMINISTIC, show_progress=False)
    with pytest.raises(KeyboardInterrupt):
        run.generate_all()
    finished = interrupted.batches[0]
    resumed = RecordingBackend()
    ModelRun(resumed, GenerationCache(tmp_path / "c.sqlite"), DETERMINISTIC, show_progress=False).generate_all()
    regenerated = [i for b in resumed.batches for i in b]
    assert set(finished).isdisjoint(regenerated)
    assert sorted(finished + regenerated) == sorted(c["id"] for c in DETERMINISTIC)


def test_identical_prompts_are_generated_once(tmp_path: Path) -> None:
    twins = [dict(DETERMINISTIC[0]), {**DETERMINISTIC[0], "id": "math-twin"}]
    backend = RecordingBackend()
    run = ModelRun(backend, None, twins, show_progress=False)
    assert run.answer(twins[1]).text == run.answer(twins[0]).text
    assert len([i for b in backend.batches for i in b]) == 1


class StreamingBackend(RecordingBackend):
    """Yields answers one by one, like the refilling decoder, and is interrupted after `stop_after`."""

    def __init__(self, stop_after: int) -> None:
        super().__init__()
        self.stop_after = stop_after

    def generate_stream(self, requests: list[Request], batch_size: int):
        for number, request in enumerate(requests):
            if number == self.stop_after:
                raise KeyboardInterrupt
            yield request, Generation(f"answer to {request.case['id']}", 3, 4, 0.5, "stop")


def test_interrupt_keeps_every_answer_already_streamed(tmp_path: Path) -> None:
    cache_path = tmp_path / "c.sqlite"
    with pytest.raises(KeyboardInterrupt):
        ModelRun(StreamingBackend(stop_after=2), GenerationCache(cache_path), DETERMINISTIC, 16, False).generate_all()
    warm = ModelRun(RecordingBackend(), GenerationCache(cache_path), DETERMINISTIC, show_progress=False)
    pending = [warm.request_for(case) for case in DETERMINISTIC]
    assert len(GenerationCache(cache_path).get_many(r.key for r in pending)) == 2


def _open_and_write(path: str, worker: int, barrier: Any) -> None:
    from lorabench.backends.base import Generation, GenerationParams
    from lorabench.run.cache import GenerationCache

    barrier.wait()
    cache = GenerationCache(Path(path))
    generation = Generation(f"answer {worker}", 1, 2, 0.0, "stop")
    cache.put_many("model", [(f"key-{worker}", "prompt", GenerationParams(max_new_tokens=4), generation)])
    cache.close()


def test_processes_opening_a_new_cache_at_once_all_get_it(tmp_path: Path) -> None:
    """pytest-xdist workers start together: opening a cache that does not exist yet must not fail with
    'database is locked' in any of them."""
    import multiprocessing

    from lorabench.run.cache import GenerationCache

    context = multiprocessing.get_context("spawn")
    for round_ in range(5):
        path = tmp_path / f"round-{round_}" / "cache.sqlite"
        barrier = context.Barrier(6)
        workers = [context.Process(target=_open_and_write, args=(str(path), i, barrier)) for i in range(6)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert [worker.exitcode for worker in workers] == [0] * 6
        cached = GenerationCache(path).get_many(f"key-{i}" for i in range(6))
        assert sorted(g.text for g in cached.values()) == [f"answer {i}" for i in range(6)]


def test_a_released_model_still_answers_from_its_cache_and_reloads(tmp_path: Path) -> None:
    """The judge releases a model mid-session; an item that then needs a new answer must still work."""
    from lorabench.models.spec import ModelSpec
    from lorabench.run.session import BenchmarkSession
    from lorabench.run.settings import Settings
    from tests.conftest import SMALL_SET, write_script

    script = write_script(tmp_path / "demo.json", {"math-001": "Answer: 42", "math-002": "Answer: 25"})
    spec = ModelSpec(name="scripted-demo", backend="scripted", options={"script": str(script)})
    settings = Settings(write_cases(tmp_path / "cases", SMALL_SET), tmp_path / "cache", tmp_path / "reports")
    settings.show_progress = False
    bench = BenchmarkSession(settings, [spec]).bench(spec.name)
    first, second = SMALL_SET[0], SMALL_SET[1]
    bench.selected = [first]
    assert bench.model_run().answer(first).text == "Answer: 42"
    bench.release()
    assert bench.model_run().answer(second).text == "Answer: 25"
    bench.close()
    assert not bench.in_use


def _run_args(tmp_path: Path, model: str, *extra: str) -> list[str]:
    return [
        str(BENCHMARKS),
        f"--cases-dir={tmp_path / 'cases'}",
        f"--cache-dir={tmp_path / 'cache'}",
        f"--reports-dir={tmp_path / 'reports'}",
        "-p",
        "no:cacheprovider",
        f"--model={model}",
        *extra,
    ]


def _cases_of(report: Path) -> dict[str, dict[str, Any]]:
    return {case["id"]: case for case in json.loads(report.read_text(encoding="utf-8"))["cases"]}


@pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
def test_oracle_answers_follow_an_edited_case_not_the_cache(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """The oracle writes its answer from the case data, which is not in the prompt: a cached oracle answer
    would be stale after the answer is corrected, so the oracle is never cached."""
    case = {"id": "math-001", "category": "math", "prompt": "What is 6 times 7?", "answer": 42}
    write_cases(tmp_path / "cases", [case])
    pytester.runpytest(*_run_args(tmp_path, "oracle")).assert_outcomes(passed=1, skipped=5)
    write_cases(tmp_path / "cases", [{**case, "answer": 43}])  # the same prompt, a corrected answer
    pytester.runpytest(*_run_args(tmp_path, "oracle")).assert_outcomes(passed=1, skipped=5)
    record = _cases_of(tmp_path / "reports" / "oracle.json")["math-001"]
    assert "43" in record["output"] and record["from_cache"] is False, record


@pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
def test_each_category_is_decoded_with_its_own_max_new_tokens(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registry entry's `max_new_tokens = { math = 4 }` cuts math answers at 4 tokens and leaves the other
    categories at their defaults. The scripted model is made to honour the limit (a word a token), as a real
    one does."""
    from lorabench.backends import scripted

    replay = scripted.ScriptedBackend._answer_batch

    def within_limit(self: scripted.ScriptedBackend, batch: list[Request]) -> list[Generation]:
        cut = []
        for request, full in zip(batch, replay(self, batch), strict=True):
            words, limit = full.text.split(), request.params.max_new_tokens
            finish = "length" if len(words) > limit else "stop"
            cut.append(Generation(" ".join(words[:limit]), 0, min(len(words), limit), 0.0, finish))
        return cut

    monkeypatch.setattr(scripted.ScriptedBackend, "_answer_batch", within_limit)
    write_cases(tmp_path / "cases", [c for c in SMALL_SET if c["id"] in ("math-001", "mcq-001")])
    answers = {"math-001": "Six sevens make forty-two. Answer: 42", "mcq-001": "Rome is the capital, so: A"}
    script = write_script(tmp_path / "script.json", answers)
    models = tmp_path / "models.toml"
    models.write_text(f'[short]\nbackend = "scripted"\nscript = "{script}"\nmax_new_tokens = {{ math = 4 }}\n')
    result = pytester.runpytest(*_run_args(tmp_path, "short", f"--models-file={models}"))
    result.assert_outcomes(passed=1, failed=1, skipped=4)
    cases = _cases_of(tmp_path / "reports" / "short.json")
    assert (cases["math-001"]["output"], cases["math-001"]["finish_reason"]) == ("Six sevens make forty-two.", "length")
    assert (cases["mcq-001"]["outcome"], cases["mcq-001"]["finish_reason"]) == ("passed", "stop")


def _refused(code: int) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("attempt to write a readonly database")
    error.sqlite_errorcode = code
    return error


def test_a_cache_sqlite_will_not_write_is_read_with_one_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process twin of tests/faults' read-only cache (which needs a subprocess to drop root's override): the
    cached answers are served, new ones are not stored, and one line says so. The refusal carries an extended
    code (SQLITE_READONLY_DBMOVED), as SQLite gives it."""
    path = tmp_path / "cache.sqlite"
    writable = GenerationCache(path)
    writable.put_many("m", [("cached", "p", GenerationParams(8), Generation("old answer", 1, 2, 0.5, "stop"))])
    writable.close()

    def refuse(_path: Path) -> sqlite3.Connection:
        raise _refused(sqlite3.SQLITE_READONLY | 4 << 8)

    monkeypatch.setattr(GenerationCache, "_open", staticmethod(refuse))
    notices = Notices(sink=lambda line: None)
    cache = GenerationCache(path, notices)
    cache.put_many("m", [("new", "p", GenerationParams(8), Generation("new answer", 0, 0, 0.0, "stop"))])
    found = cache.get_many(["cached", "new"])
    assert (cache.writable, list(found), found["cached"].text, found["cached"].from_cache) == (
        False,
        ["cached"],
        "old answer",
        True,
    )
    assert notices.lines == [
        f"lorabench: the generation cache {path} cannot be written (attempt to write a readonly database): "
        "cached answers are used, new ones are not stored"
    ]


def test_a_cache_sqlite_cannot_open_for_another_reason_is_one_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cache.sqlite"

    def disk_full(_path: Path) -> sqlite3.Connection:
        raise _refused(sqlite3.SQLITE_FULL)

    monkeypatch.setattr(GenerationCache, "_open", staticmethod(disk_full))
    with pytest.raises(sqlite3.DatabaseError) as raised:
        GenerationCache(path, Notices(sink=lambda line: None))
    assert str(raised.value) == f"{path}: cannot open the generation cache: attempt to write a readonly database"


def test_a_cache_whose_folder_cannot_be_made_caches_nothing_with_one_notice(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where the cache folder should be")
    path = tmp_path / "taken" / "cache.sqlite"
    notices = Notices(sink=lambda line: None)
    cache = GenerationCache(path, notices)
    cache.put_many("m", [("new", "p", GenerationParams(8), Generation("new answer", 0, 0, 0.0, "stop"))])
    assert (cache.writable, cache.get_many(["new"])) == (False, {})
    assert notices.lines == [
        f"lorabench: the generation cache {path} cannot be written (cannot create {path.parent}: File exists): "
        "answers are not cached"
    ]


def test_an_answer_is_made_valid_text_and_counted_before_it_is_cached() -> None:
    """A lone surrogate cannot be stored (SQLite, JSON, HTML refuse it): each becomes U+FFFD and is added to the
    count already there; a backend that returns no text or a non-string still gives a storable answer."""
    broken = valid_generation(Generation("ok \ud800 and \udfff!", 0, 0, 0.0, "stop", replaced_code_points=1))
    assert (broken.text, broken.replaced_code_points) == ("ok \ufffd and \ufffd!", 3)
    assert valid_generation(Generation("café 😀", 0, 0, 0.0, "stop")).replaced_code_points == 0
    assert valid_generation(Generation(None, 0, 0, 0.0, "stop")).text == ""  # type: ignore[arg-type]
    assert valid_generation(Generation(42, 0, 0, 0.0, "stop")).text == "42"  # type: ignore[arg-type]


def test_a_cache_that_fails_to_store_says_so_once_and_stops_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = GenerationCache(tmp_path / "cache.sqlite", Notices(sink=lambda line: None))
    tries: list[int] = []

    def full(model_identity: str, entries: list) -> None:
        tries.append(len(entries))
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(cache, "_write", full)
    for key in ("a", "b"):
        cache.put_many("m", [(key, "p", GenerationParams(8), Generation("answer", 0, 0, 0.0, "stop"))])
    assert (tries, cache.writable) == ([1], False), "no second try after the cache refused"
    assert cache.notices.lines == [
        f"lorabench: cannot store answers in the generation cache {cache.path} (database or disk is full): "
        "this run's answers are reported but not cached"
    ]


def test_a_corrupt_cache_is_moved_aside_with_its_wal_and_shm(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    for suffix, content in (("", b"not a database at all" * 10), ("-wal", b"wal"), ("-shm", b"shm")):
        Path(f"{path}{suffix}").write_bytes(content)
    GenerationCache(path, Notices(sink=lambda line: None)).close()
    (aside,) = tmp_path.glob("cache.sqlite.corrupt-*[0-9]Z")
    assert Path(f"{aside}-wal").read_bytes() == b"wal" and Path(f"{aside}-shm").read_bytes() == b"shm"
