"""Ctrl-C and kill -9 in the middle of a real run, in a subprocess (issue 17, probe 4).

An interrupted run leaves `reports/<model>.json`, `.html` and `index.html` exactly as they were and
writes its own partial report to `reports/incomplete/`, marked with why; a killed run writes nothing;
and the answers finished before either are in the cache, so the next run asks only for the rest.
The server holds one request until the test has sent the signal, so nothing depends on timing.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, write_script
from tests.faults.loopback import ChatServer

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
RIGHT = {"math-001": "Answer: 42", "math-002": "Answer: 25", "mcq-001": "Answer: A", "sit-001": "Answer: cinema"}


def _start(args: list[str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "pytest", *args]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir() if path.is_file()}


def test_ctrl_c_keeps_the_previous_reports_and_writes_the_partial_one_beside(
    tmp_path: Path, bench_args: list[str], chat_server: ChatServer
) -> None:
    chat_server.content = "Feedback: clear and correct. [RESULT] 5"
    registry = chat_server.registry(tmp_path / "judge.toml", name="judge")
    script = write_script(tmp_path / "right.json", RIGHT)
    args = [*bench_args, f"--models-file={registry}", f"--model=scripted:{script}", "--judge=judge"]
    first = _start(args)
    output, _ = first.communicate(timeout=300)
    assert first.returncode == 1, output  # fc-001 fails: a result, not an error
    reports = tmp_path / "reports"
    before = _files(reports)
    assert {"scripted-right.json", "scripted-right.html", "index.html"} <= set(before)

    chat_server.hold_at = chat_server.requests + 1  # the judge's next request waits for the signal
    second = _start([*args, "--no-cache"])
    assert chat_server.arrived.wait(120), "the run never reached the judge"
    second.send_signal(signal.SIGINT)
    chat_server.release.set()
    output, _ = second.communicate(timeout=300)
    assert second.returncode == pytest.ExitCode.INTERRUPTED, output
    assert "Traceback" not in output
    assert _files(reports) == before, "JSON, HTML and index.html all as they were"
    partial = json.loads((reports / "incomplete" / "scripted-right.json").read_text(encoding="utf-8"))
    assert partial["exit_status"] == 2 and partial["incomplete"] == "interrupted after 1 of 7 items"
    assert [case["id"] for case in partial["cases"]] == ["fc-001"]
    page = (reports / "incomplete" / "scripted-right.html").read_text(encoding="utf-8")
    assert "Incomplete run (interrupted after 1 of 7 items)" in page
    assert "lorabench: incomplete run (interrupted after 1 of 7 items); the previous scripted-right.json" in output
    assert not [path for path in reports.rglob("*.tmp")]


def _cached_answers(cache: Path) -> int:
    try:
        with sqlite3.connect(f"{cache.as_uri()}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM generations").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_kill_9_writes_no_report_and_the_next_run_resumes_from_the_cache(
    tmp_path: Path, bench_args: list[str], chat_server: ChatServer
) -> None:
    registry = chat_server.registry(tmp_path / "served.toml")
    args = [*bench_args, f"--models-file={registry}", "--model=served", "-m", "not judge"]
    chat_server.hold_at = 3
    run = _start(args)
    assert chat_server.arrived.wait(120), "the run never reached its third request"
    cache = tmp_path / "cache" / "cache.sqlite"
    deadline = time.monotonic() + 60  # the two answers in are committed by the main thread; wait for that
    while _cached_answers(cache) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.communicate(timeout=60)
    chat_server.release.set()
    assert _cached_answers(cache) == 2
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*.json"))
    chat_server.requests, chat_server.hold_at = 0, None
    again = _start(args)
    output, _ = again.communicate(timeout=300)
    assert again.returncode == 1, output
    assert chat_server.requests == 3, "only the three answers not cached before the kill are asked for"
    report = json.loads((tmp_path / "reports" / "served.json").read_text(encoding="utf-8"))
    assert sum(case["from_cache"] for case in report["cases"] if case["output"]) == 2
