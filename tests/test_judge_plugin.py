"""Judge plumbing end to end with a scripted judge: verdicts, retries, judge errors, caching, resuming,
budgets, skip reasons, reports, and `--judge-check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SMALL_SET, write_cases, write_script

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
RUBRIC = {"criteria": "Is it right?", "scores": {str(level): f"level {level}" for level in range(1, 6)}}


def _judge_case(case_id: str, category: str = "judge_finetome", threshold: int = 4) -> dict:
    return {
        "id": case_id,
        "category": category,
        "prompt": f"Question {case_id}?",
        "reference_answer": f"The full answer to {case_id}.",
        "rubric": RUBRIC,
        "threshold": threshold,
    }


JUDGE_CASES = [_judge_case(f"ft-00{n}") for n in (1, 2, 3)] + [_judge_case("fin-001", "judge_finance")]
JUDGE_REPLIES = {
    "ft-001": "Feedback: complete and correct. [RESULT] 5",
    "ft-002": "Feedback: misses the point. [RESULT] 2",
    "ft-003": ["I like it.", "Still thinking.", "Feedback: good enough. [RESULT] 4"],  # read on the third ask
    "fin-001": ["no score", "none again", "and none"],  # never readable: a judge error
}


@pytest.fixture
def judge_args(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    cases = write_cases(tmp_path / "judge-cases", [c for c in SMALL_SET if c["category"] == "math"] + JUDGE_CASES)
    model = write_script(tmp_path / "model.json", {"math-001": "Answer: 42"}, default="An answer.")
    judge = write_script(tmp_path / "judge.json", JUDGE_REPLIES)  # type: ignore[arg-type]
    monkeypatch.setenv("LORABENCH_SCRIPTED_LOG", str(tmp_path / "calls.log"))
    return [
        str(Path(__file__).resolve().parent.parent / "benchmarks"),
        f"--cases-dir={cases}",
        f"--cache-dir={tmp_path / 'cache'}",
        f"--reports-dir={tmp_path / 'reports'}",
        "-p",
        "no:cacheprovider",
        f"--model=scripted:{model}",
        f"--judge=scripted:{judge}",
    ]


def _judge_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls.log"
    lines = log.read_text().split() if log.exists() else []
    return [line for line in lines if line.startswith("scripted-judge:") and not line.endswith(":closed")]


def _report(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "reports" / "scripted-model.json").read_text(encoding="utf-8"))


def test_without_a_judge_judge_items_are_skipped_and_not_judged(
    pytester: pytest.Pytester, judge_args: list[str], tmp_path: Path
) -> None:
    result = pytester.runpytest(*judge_args[:-1])
    result.assert_outcomes(passed=1, failed=1, skipped=7)
    result.stdout.fnmatch_lines(["*judge_finetome: not judged (3 cases)*"])
    judge = _report(tmp_path)["summary"]["by_category"]["judge_finetome"]["judge"]
    assert judge == {"judged": 0, "not_judged": 3, "errors": 0, "mean_score": None, "ci95": [None, None]}


def test_scores_thresholds_retries_and_judge_errors(
    pytester: pytest.Pytester, judge_args: list[str], tmp_path: Path
) -> None:
    result = pytester.runpytest(*judge_args)
    result.assert_outcomes(passed=3, failed=2, errors=1, skipped=3)
    result.stdout.fnmatch_lines(["*judge error: no score in the judge's 3 replies*"])
    result.stdout.fnmatch_lines(["*judge_finetome: mean judge score 3.67 (95% CI *) over 3 judged*"])
    report = _report(tmp_path)
    cases = {case["id"]: case for case in report["cases"]}
    assert cases["ft-001"]["outcome"] == "passed" and cases["ft-001"]["judge"]["score"] == 5
    assert cases["ft-002"]["outcome"] == "failed"
    assert cases["ft-002"]["reason"] == "judge score 2 is below the threshold 4: misses the point."
    assert cases["ft-003"]["judge"]["replies"] == JUDGE_REPLIES["ft-003"] and cases["ft-003"]["outcome"] == "passed"
    error = cases["fin-001"]
    assert error["outcome"] == "error" and error["judge"]["status"] == "error"
    assert error["judge"]["replies"] == JUDGE_REPLIES["fin-001"] and error["output"] == "An answer."
    assert error["judge"]["threshold"] == 4 and len(error["judge"]["prompt_sha256"]) == 64
    summary = report["summary"]["by_category"]
    assert summary["judge_finetome"]["judge"]["mean_score"] == pytest.approx(11 / 3, abs=1e-3)
    assert summary["judge_finance"]["judge"] == {
        "judged": 0,
        "not_judged": 0,
        "errors": 1,
        "mean_score": None,
        "ci95": [None, None],
    }
    section = report["model"]["judge"]
    assert section["name"] == "scripted-judge" and section["decoding"] == "greedy (temperature 0)"
    assert section["calls"] == 1 + 1 + 3 + 3 and section["seed"] == 0
    assert len(_judge_calls(tmp_path)) == 8


def test_rerun_costs_no_judge_call(pytester: pytest.Pytester, judge_args: list[str], tmp_path: Path) -> None:
    first = pytester.runpytest(*judge_args)
    calls = len(_judge_calls(tmp_path))
    again = pytester.runpytest(*judge_args)
    assert again.parseoutcomes() == first.parseoutcomes()
    assert len(_judge_calls(tmp_path)) == calls, "same answers, same judge: every verdict from the cache"
    cases = {case["id"]: case for case in _report(tmp_path)["cases"]}
    assert cases["ft-001"]["judge"]["from_cache"] and cases["ft-001"]["judge"]["score"] == 5
    assert _report(tmp_path)["model"]["judge"]["calls"] == 0


def test_budget_skips_the_rest_and_a_later_run_resumes(
    pytester: pytest.Pytester, judge_args: list[str], tmp_path: Path
) -> None:
    limited = pytester.runpytest(*judge_args, "--judge-max-calls=2")
    limited.assert_outcomes(passed=2, failed=2, skipped=5)
    limited.stdout.fnmatch_lines(["*judge budget exhausted (2 of 2 calls)*"])
    report = _report(tmp_path)
    assert report["summary"]["by_category"]["judge_finetome"]["judge"]["not_judged"] == 1
    assert report["summary"]["by_category"]["judge_finance"]["judge"]["not_judged"] == 1
    assert len(_judge_calls(tmp_path)) == 2
    resumed = pytester.runpytest(*judge_args)
    resumed.assert_outcomes(passed=3, failed=2, errors=1, skipped=3)
    assert len(_judge_calls(tmp_path)) == 8, "the two verdicts already given were not asked for again"


def test_judge_check_prints_the_agreement(pytester: pytest.Pytester, tmp_path: Path, judge_args: list[str]) -> None:
    replies = {}
    wanted = {"ft-001": (5, 1, 1), "ft-002": (5, 2, 1), "ft-003": (3, 1, 4), "fin-001": (4, 1, 2)}
    for case_id, scores in wanted.items():
        for variant, score in zip(("reference", "empty", "off-topic"), scores, strict=True):
            replies[f"{case_id}:{variant}"] = f"Feedback: fine. [RESULT] {score}"
    judge = write_script(tmp_path / "check.json", replies)
    args = [arg for arg in judge_args if not arg.startswith("--judge=")]
    result = pytester.runpytest(*args, f"--judge=scripted:{judge}", "--judge-check")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "judge check: scripted-check, 4 cases x 3 answers, 12 judge calls",
            "*ft-003*reference 3  empty 1  off-topic 4*WRONG ORDER",
            "agreement: 3/4 cases (75%) score the reference above the empty and off-topic answers",
        ]
    )


def test_judge_options_are_checked(pytester: pytest.Pytester, judge_args: list[str]) -> None:
    unknown = pytester.runpytest(*judge_args, "--judge=prometheus-13b")
    assert unknown.ret == pytest.ExitCode.USAGE_ERROR
    unknown.stderr.fnmatch_lines(["ERROR: --judge 'prometheus-13b' is not a known model*"])
    negative = pytester.runpytest(*judge_args, "--judge-max-calls=-1")
    negative.stderr.fnmatch_lines(["ERROR: --judge-max-calls must be 0 or more, not -1"])
    alone = pytester.runpytest(*[a for a in judge_args if not a.startswith("--judge=")], "--judge-check")
    alone.stderr.fnmatch_lines(["ERROR: --judge-check needs --judge NAME*"])


def test_each_case_is_judged_against_its_own_threshold(
    pytester: pytest.Pytester, judge_args: list[str], tmp_path: Path
) -> None:
    """A lenient case (threshold 2) passes with a score of 3 and a strict one (threshold 5) fails with a 4:
    the threshold is the case's, never a fixed 4."""
    cases = [_judge_case("ft-001", threshold=2), _judge_case("ft-002", threshold=5), _judge_case("ft-003")]
    write_cases(tmp_path / "thresholds", cases)
    replies = {"ft-001": "Feedback: partly right. [RESULT] 3", "ft-002": "Feedback: good. [RESULT] 4"}
    judge = write_script(tmp_path / "judge.json", replies, default="Feedback: good. [RESULT] 4")
    args = [*judge_args[:-1], f"--cases-dir={tmp_path / 'thresholds'}", f"--judge=scripted:{judge}"]
    pytester.runpytest(*args).assert_outcomes(passed=2, failed=1, skipped=5)
    records = {case["id"]: case for case in _report(tmp_path)["cases"]}
    assert records["ft-001"]["outcome"] == "passed" and records["ft-002"]["outcome"] == "failed"
    assert records["ft-001"]["reason"] == "judge score 3 reaches the threshold 2: partly right."
    assert records["ft-002"]["reason"] == "judge score 4 is below the threshold 5: good."
    assert [records[i]["judge"]["threshold"] for i in ("ft-001", "ft-002", "ft-003")] == [2, 5, 4]
