"""Faults during a run: hostile model text, a broken cache, a server that answers nonsense; each is one
line, loses nothing already computed, and never replaces a complete report (issue 17, probes 1, 3, 6).

Already held and tested elsewhere, not repeated here: processes opening one cache at once
(tests/test_cache_and_generation.py::test_processes_opening_a_new_cache_at_once_all_get_it), an
interruption keeping every streamed answer (..._keeps_every_answer_already_streamed), escaped model text
(tests/test_compare_page.py, tests/test_pages_in_browser.py), bounded HTTP retries and the one line after
them (tests/test_http_backend.py::test_gives_up_after_the_retries_with_one_line), judge errors kept as
errors with their replies (tests/test_judge_plugin.py::test_scores_thresholds_retries_and_judge_errors).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lorabench.backends.base import Generation, GenerationParams
from lorabench.run.cache import GenerationCache
from lorabench.run.valid_text import valid_text
from tests.conftest import REPO, write_script
from tests.faults.loopback import ChatServer

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
RIGHT = {"math-001": "Answer: 42", "math-002": "Answer: 25", "mcq-001": "Answer: A", "sit-001": "Answer: the cinema"}


def _report(tmp_path: Path, name: str, folder: str = "") -> dict:
    return json.loads((tmp_path / "reports" / folder / f"{name}.json").read_text(encoding="utf-8"))


def _lines(result: pytest.RunResult, start: str) -> list[str]:
    return [line for line in result.stdout.lines + result.stderr.lines if line.startswith(start)]


# -- probe 1: a lone surrogate in an answer ------------------------------------------------------------


def test_valid_text_replaces_and_counts_lone_surrogates() -> None:
    assert valid_text("ok \ud800 and \udfff!") == ("ok \ufffd and \ufffd!", 2)
    assert valid_text("café 😀") == ("café 😀", 0)


def test_a_lone_surrogate_is_replaced_counted_cached_and_stops_nothing(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]
) -> None:
    script = write_script(tmp_path / "hostile.json", RIGHT | {"math-001": "Answer: 42 \ud800"})
    result = pytester.runpytest(*bench_args, f"--model=scripted:{script}", "-m", "not judge")
    result.assert_outcomes(passed=4, failed=1, skipped=1)  # fc-001 gets the empty default answer
    report = _report(tmp_path, "scripted-hostile")
    cases = {case["id"]: case for case in report["cases"]}
    assert cases["math-001"]["output"] == "Answer: 42 \ufffd" and cases["math-001"]["replaced_code_points"] == 1
    assert cases["math-002"]["replaced_code_points"] == 0 and report["generation"]["replaced_code_points"] == 1
    with sqlite3.connect(tmp_path / "cache" / "cache.sqlite") as db:
        stored = [text for (text,) in db.execute("SELECT text FROM generations")]
    assert "Answer: 42 \ufffd" in stored and len(stored) == 5, "every answer was cached, the cleaned one too"


def test_one_answer_the_cache_refuses_does_not_stop_the_others(tmp_path: Path) -> None:
    cache = GenerationCache(tmp_path / "cache.sqlite")
    params = GenerationParams(8)
    cache.put_many("m", [("bad", "p", params, Generation("\ud800", 0, 0, 0.0, "stop"))])  # not cleaned: refused
    cache.put_many("m", [("good", "p", params, Generation("fine", 0, 0, 0.0, "stop"))])
    assert set(cache.get_many(["bad", "good"])) == {"good"}
    (line,) = cache.notices.lines
    assert line.startswith(f"lorabench: an answer could not be stored in the generation cache {tmp_path}")


# -- probe 3: a corrupt cache file, a read-only cache --------------------------------------------------


def test_a_corrupt_cache_is_moved_aside_with_one_line_and_the_run_goes_on(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]
) -> None:
    cache = tmp_path / "cache" / "cache.sqlite"
    cache.parent.mkdir()
    garbage = os.urandom(4096)
    cache.write_bytes(garbage)
    Path(f"{cache}-wal").write_bytes(b"not a wal either")
    script = write_script(tmp_path / "right.json", RIGHT)
    result = pytester.runpytest(*bench_args, f"--model=scripted:{script}", "-m", "not judge")
    result.assert_outcomes(passed=4, failed=1, skipped=1)
    (line,) = _lines(result, f"lorabench: {tmp_path}")
    assert line.startswith(f"lorabench: {cache} is not a readable SQLite database (file is not a database); moved")
    (aside,) = cache.parent.glob("cache.sqlite.corrupt-*[0-9]Z")
    assert aside.read_bytes() == garbage and Path(f"{aside}-wal").read_bytes() == b"not a wal either"
    assert line.endswith(f"moved it to {aside.name} and started a fresh cache")
    assert all(not case["from_cache"] for case in _report(tmp_path, "scripted-right")["cases"] if case["output"])
    again = pytester.runpytest(*bench_args, f"--model=scripted:{script}", "-m", "not judge")
    again.assert_outcomes(passed=4, failed=1, skipped=1)
    assert not _lines(again, f"lorabench: {tmp_path}") and len(list(cache.parent.glob("*.corrupt-*"))) == 2
    assert all(case["from_cache"] for case in _report(tmp_path, "scripted-right")["cases"] if case["output"])


READ_ONLY_CHECK = """
import sys
from pathlib import Path
from lorabench.backends.base import Generation, GenerationParams
from lorabench.run.cache import GenerationCache
cache = GenerationCache(Path(sys.argv[1]))
found = cache.get_many(["cached"])
cache.put_many("m", [("new", "p", GenerationParams(8), Generation("new answer", 0, 0, 0.0, "stop"))])
print(found["cached"].text, cache.writable, len(cache.get_many(["new"])))
print("\\n".join(cache.notices.lines))
"""


def _without_root_override() -> list[str]:
    """A command prefix under which file modes bind: root ignores them unless it drops CAP_DAC_OVERRIDE."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux): a read-only directory cannot be made here")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]


@pytest.fixture
def read_only_later(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for path in [tmp_path, *tmp_path.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_read_only_cache_is_read_not_written_with_one_warning(read_only_later: Path) -> None:
    path = read_only_later / "cache" / "cache.sqlite"
    writable = GenerationCache(path)
    writable.put_many("m", [("cached", "p", GenerationParams(8), Generation("old answer", 0, 0, 0.0, "stop"))])
    writable.close()
    assert not Path(f"{path}-wal").exists(), "a clean close leaves no WAL behind"
    path.chmod(0o444)
    path.parent.chmod(0o555)
    command = [*_without_root_override(), sys.executable, "-c", READ_ONLY_CHECK, str(path)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    first, *notices = done.stdout.splitlines()
    assert first == "old answer False 0", "cached answers are used, new ones not stored"
    assert notices == [
        f"lorabench: the generation cache {path} cannot be written (attempt to write a readonly database): "
        "cached answers are used, new ones are not stored"
    ] or (len(notices) == 1 and "cannot be written" in notices[0] and "cached answers are used" in notices[0])


# -- a failed run never replaces a complete report -----------------------------------------------------


def test_a_failed_model_keeps_the_previous_report_and_writes_its_own_beside(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str], chat_server: ChatServer
) -> None:
    registry = chat_server.registry(tmp_path / "served.toml")
    script = write_script(tmp_path / "right.json", RIGHT)
    models = [f"--models-file={registry}", "--model=served", f"--model=scripted:{script}", "-m", "not judge"]
    pytester.runpytest(*bench_args, *models).assert_outcomes(passed=5, failed=5, skipped=2)
    reports = tmp_path / "reports"
    before = {path.name: path.read_bytes() for path in reports.glob("served.*")}
    assert set(before) == {"served.json", "served.html"}
    chat_server.mode, chat_server.requests = "no-choices", 0
    result = pytester.runpytest(*bench_args, *models, "--no-cache")
    assert result.ret == 3
    assert {path.name: path.read_bytes() for path in reports.glob("served.*")} == before
    incomplete = _report(tmp_path, "served", "incomplete")
    assert incomplete["incomplete"].startswith("the model failed: model served: ")
    assert "Incomplete run (the model failed" in (reports / "incomplete" / "served.html").read_text(encoding="utf-8")
    assert _report(tmp_path, "scripted-right")["incomplete"] is None, "the other model's report is written"
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "href='served.html'" in index and "incomplete/" not in index
    assert not [path for path in reports.rglob("*") if path.name.endswith(".tmp")], "no temporary file left"


def test_a_report_file_is_replaced_whole_or_not_at_all(tmp_path: Path) -> None:
    from lorabench.reports.atomic_files import write_text_atomically

    page = tmp_path / "reports" / "m.html"
    write_text_atomically(page, "<p>previous</p>")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomically(page, "<p>half written \ud800</p>")  # fails while writing
    assert page.read_text(encoding="utf-8") == "<p>previous</p>" and [p.name for p in page.parent.iterdir()] == [
        "m.html"
    ]
