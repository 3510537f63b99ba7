"""An OpenAI-compatible server that answers HTTP 200 with something that is not a chat completion
(issue 17, probe 6): retried like a 5xx, then one line naming the URL, the status and what was wrong,
and the model stops once instead of re-sending the batch for every case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SMALL_SET, write_cases, write_script
from tests.faults.loopback import ChatServer

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")


@pytest.mark.parametrize(
    ("mode", "what"),
    [
        ("html", "a body that is not a chat completion (text/html: '<html><body><h1>502 Bad Gateway</h1>"),
        ("not-json", "a body that is not JSON (application/json: "),
        ("no-choices", "a chat completion with no choices"),
    ],
)
def test_a_malformed_200_is_retried_then_one_line_and_the_model_stops_once(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str], chat_server: ChatServer, mode: str, what: str
) -> None:
    chat_server.mode = mode
    registry = chat_server.registry(tmp_path / "served.toml")
    result = pytester.runpytest(*bench_args, f"--models-file={registry}", "--model=served", "-m", "not judge")
    text = result.stdout.str() + result.stderr.str()
    assert result.ret == 3 and "Traceback" not in text, text
    result.assert_outcomes(errors=5, skipped=1)  # skipped: the empty judge_finance category
    said = [line for line in result.stdout.lines + result.stderr.lines if line.startswith("lorabench: model served")]
    assert len(said) == 1, said
    expected = f"lorabench: model served: {chat_server.url}/chat/completions answered HTTP 200 with {what}"
    assert said[0].startswith(expected) and said[0].endswith(
        "(2 tries); check that url points at an OpenAI-compatible server"
    )
    assert chat_server.requests == 2, "one request and one retry, then the model stops: not one per case"
    report = json.loads((tmp_path / "reports" / "incomplete" / "served.json").read_text(encoding="utf-8"))
    assert {case["reason"] for case in report["cases"] if case["outcome"] == "error"} == {
        said[0].removeprefix("lorabench: ")
    }


def test_answers_already_in_are_kept_when_the_server_turns_bad(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str], chat_server: ChatServer
) -> None:
    """The server answers two requests well, then only with HTML: those two are cached and graded."""
    chat_server.hold_at = 3  # the third request waits until the mode has changed
    registry = chat_server.registry(tmp_path / "served.toml")

    def turn_bad() -> None:
        chat_server.arrived.wait(60)
        chat_server.mode = "html"
        chat_server.release.set()

    import threading

    threading.Thread(target=turn_bad, daemon=True).start()
    result = pytester.runpytest(*bench_args, f"--models-file={registry}", "--model=served", "-m", "not judge")
    assert result.ret == 3
    report = json.loads((tmp_path / "reports" / "incomplete" / "served.json").read_text(encoding="utf-8"))
    answered = [case for case in report["cases"] if case["output"] is not None]
    assert len(answered) == 2 and all(case["output"] == "Answer: 42" for case in answered)
    assert sum(case["outcome"] == "error" for case in report["cases"]) == 3
    chat_server.mode, chat_server.requests = "ok", 0
    again = pytester.runpytest(*bench_args, f"--models-file={registry}", "--model=served", "-m", "not judge")
    assert again.ret == 1 and chat_server.requests == 3, "the two answers kept in the cache are not asked again"


def test_a_lone_surrogate_from_a_server_is_replaced(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str], chat_server: ChatServer
) -> None:
    chat_server.content = "Answer: 42 \ud800"
    registry = chat_server.registry(tmp_path / "served.toml")
    result = pytester.runpytest(*bench_args, f"--models-file={registry}", "--model=served", "-m", "math")
    result.assert_outcomes(passed=1, failed=1)
    report = json.loads((tmp_path / "reports" / "served.json").read_text(encoding="utf-8"))
    assert report["generation"]["replaced_code_points"] == 2
    assert {case["output"] for case in report["cases"]} == {"Answer: 42 \ufffd"}


def test_under_xdist_the_failure_travels_from_the_worker_and_the_report_goes_aside(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str], chat_server: ChatServer
) -> None:
    chat_server.mode = "no-choices"
    registry = chat_server.registry(tmp_path / "served.toml")
    script = write_script(tmp_path / "right.json", {"math-001": "Answer: 42"})
    models = [f"--models-file={registry}", "--model=served", f"--model=scripted:{script}", "-m", "not judge"]
    result = pytester.runpytest(*bench_args, *models, "-n", "2")
    assert result.ret == 3, result.stdout.str()
    served = json.loads((tmp_path / "reports" / "incomplete" / "served.json").read_text(encoding="utf-8"))
    assert served["incomplete"].startswith("the model failed: model served: ") and served["model"]["failure"]
    assert not (tmp_path / "reports" / "served.json").exists()
    right = json.loads((tmp_path / "reports" / "scripted-right.json").read_text(encoding="utf-8"))
    assert right["incomplete"] is None and right["model"]["failure"] is None


def test_a_failed_judge_stops_judging_once_and_the_report_goes_aside(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str], chat_server: ChatServer, small_cases: Path
) -> None:
    finance = next(case for case in SMALL_SET if case["id"] == "ft-001") | {
        "id": "fin-001",
        "category": "judge_finance",
    }
    write_cases(small_cases, [case for case in SMALL_SET if case["category"] != "judge_finance"] + [finance])
    chat_server.mode = "html"
    registry = chat_server.registry(tmp_path / "judge.toml", name="judge")
    script = write_script(tmp_path / "right.json", {"math-001": "Answer: 42"})
    result = pytester.runpytest(*bench_args, f"--models-file={registry}", f"--model=scripted:{script}", "--judge=judge")
    assert result.ret == 3 and "Traceback" not in result.stdout.str()
    said = [line for line in result.stdout.lines + result.stderr.lines if line.startswith("lorabench: model judge:")]
    assert len(said) == 1 and "answered HTTP 200 with a body that is not a chat completion" in said[0]
    assert chat_server.requests == 2, "two judge items, one request and one retry: the judge stops once"
    report = json.loads((tmp_path / "reports" / "incomplete" / "scripted-right.json").read_text(encoding="utf-8"))
    assert report["incomplete"].startswith("the judge failed: model judge: ")
    outcomes = {case["id"]: case["outcome"] for case in report["cases"]}
    assert outcomes["ft-001"] == outcomes["fin-001"] == "error" and outcomes["math-001"] == "passed"
