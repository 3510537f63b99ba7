"""Several `--model`s in one run, and pytest-xdist: items per model, one report each, models in turn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write_script
from tests.test_html_report import Markup, page_data, rows_by_case

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

RIGHT = {
    "math-001": "Answer: 42",
    "math-002": "Answer: 25",
    "mcq-001": "Answer: A",
    "fc-001": '[{"name": "get_weather", "arguments": {"city": "Oslo"}}]',
    "sit-001": "Answer: the cinema",
}
DETERMINISTIC = sorted(RIGHT)


@pytest.fixture
def two_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    """`--model` arguments for a model that is always right and one that never is, and the generation log."""
    right = write_script(tmp_path / "right.json", RIGHT)
    wrong = write_script(tmp_path / "wrong.json", {}, default="<b>no idea</b>")
    log = tmp_path / "generated.log"
    monkeypatch.setenv("LORABENCH_SCRIPTED_LOG", str(log))
    return [f"--model=scripted:{right}", f"--model=scripted:{wrong}"], log


def _report(tmp_path: Path, name: str) -> dict:
    return json.loads((tmp_path / "reports" / f"{name}.json").read_text(encoding="utf-8"))


def _check_reports(tmp_path: Path) -> None:
    right, wrong = _report(tmp_path, "scripted-right"), _report(tmp_path, "scripted-wrong")
    assert right["summary"]["overall"]["passed"] == 5 and wrong["summary"]["overall"]["passed"] == 0
    every_case = sorted([*RIGHT, "ft-001"])
    assert sorted(c["id"] for c in right["cases"]) == sorted(c["id"] for c in wrong["cases"]) == every_case
    assert {c["output"] for c in wrong["cases"] if c["outcome"] != "skipped"} == {"<b>no idea</b>"}
    assert right["model"]["identity"]["backend"] == "scripted" != wrong["model"]["identity_sha256"]
    right_html = (tmp_path / "reports" / "scripted-right.html").read_text(encoding="utf-8")
    wrong_html = (tmp_path / "reports" / "scripted-wrong.html").read_text(encoding="utf-8")
    assert "scripted-right-math-002" in right_html and "scripted-wrong-math-002" not in right_html
    assert "scripted-wrong-math-002" in wrong_html and "no idea" not in right_html
    for report, html in ((right, right_html), (wrong, wrong_html)):  # each page: its own model's rows only
        node_ids = set(page_data(Markup(html))["tests"])
        assert node_ids == {case["test_id"] for case in report["cases"]}
    answers = {case: row["cells"]["col-answer"] for case, row in rows_by_case(page_data(Markup(wrong_html))).items()}
    assert answers == {**{case: "<b>no idea</b>" for case in RIGHT}, "ft-001": ""}, "shown as text, not bold"


def test_items_are_parametrized_by_model(pytester: pytest.Pytester, bench_args: list[str], two_models) -> None:
    models, _ = two_models
    result = pytester.runpytest(*bench_args, *models, "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        ["*test_math[[]scripted-right-math-001[]]", "*test_math[[]scripted-wrong-math-001[]]"], consecutive=False
    )
    selected = pytester.runpytest(*bench_args, *models, "-k", "scripted-wrong and mcq")
    selected.assert_outcomes(failed=1, deselected=13)


def test_each_model_is_loaded_once_and_released_before_the_next(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str], two_models
) -> None:
    models, log = two_models
    result = pytester.runpytest(*bench_args, *models)
    result.assert_outcomes(passed=5, failed=5, skipped=4)
    result.stdout.fnmatch_lines(["*lorabench summary: scripted-right*", "*lorabench summary: scripted-wrong*"])
    result.stdout.fnmatch_lines(
        [
            "*lorabench comparison*",
            "lorabench comparison: 2 models, 5 shared graded cases",
            "*math*2/2 *100.0% [[]34.2-100.0[]]*0/2 *0.0% [[] 0.0- 65.8[]]",
        ]
    )
    lines = log.read_text().split()
    right_lines = [line for line in lines if line.startswith("scripted-right:")]
    assert sorted(right_lines[:-1]) == [f"scripted-right:{case}" for case in DETERMINISTIC]
    closed = lines.index("scripted-right:closed")
    assert closed == len(right_lines) - 1, "all of the first model's answers, then it is released"
    assert all(line.startswith("scripted-wrong:") for line in lines[closed + 1 :])
    assert lines[-1] == "scripted-wrong:closed"
    _check_reports(tmp_path)


def test_xdist_workers_share_the_cache_and_the_controller_writes_one_report_per_model(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str], two_models
) -> None:
    models, log = two_models
    result = pytester.runpytest(*bench_args, *models, "-n", "2")
    result.assert_outcomes(passed=5, failed=5, skipped=4)
    generated = sorted(line for line in log.read_text().split() if not line.endswith(":closed"))
    expected = sorted(f"scripted-{model}:{case}" for model in ("right", "wrong") for case in DETERMINISTIC)
    assert generated == expected, "every case generated once, by the worker that runs its model"
    _check_reports(tmp_path)
    again = pytester.runpytest(*bench_args, *models, "-n", "2")
    again.assert_outcomes(passed=5, failed=5, skipped=4)
    assert len([line for line in log.read_text().split() if not line.endswith(":closed")]) == len(expected)
    cases = _report(tmp_path, "scripted-wrong")["cases"]
    assert all(case["from_cache"] for case in cases if case["outcome"] != "skipped")


def test_xdist_mode_that_splits_a_model_is_refused(pytester: pytest.Pytester, bench_args: list[str]) -> None:
    result = pytester.runpytest(*bench_args, "--model=oracle", "-n", "2", "--dist", "loadscope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: lorabench: --dist loadscope would split a model's cases*"])


def test_two_names_for_one_report_are_refused(pytester: pytest.Pytester, bench_args: list[str], tmp_path) -> None:
    script = write_script(tmp_path / "same.json", {})
    other = tmp_path / "other"
    other.mkdir()
    twin = write_script(other / "same.json", {})
    result = pytester.runpytest(*bench_args, f"--model=scripted:{script}", f"--model=scripted:{twin}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --model: two models would both be reported as 'scripted-same'"])


def test_a_served_adapter_answering_mostly_like_its_base_is_warned_about(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]
) -> None:
    """The real failure: a server answering with its base under the adapter's name, 83% identical outputs
    (sampling and batching noise make the rest differ). Neither side has weights to hash: `adapter_of` in
    the registry pairs them, and the terminal and reports/index.html warn."""
    from tests.conftest import write_cases

    cases = [{"id": f"math-{i:03}", "category": "math", "prompt": f"{i} + 1?", "answer": i + 1} for i in range(12)]
    cases_dir = write_cases(tmp_path / "twelve", cases)
    base_outputs = {case["id"]: f"Answer: {case['answer']}" for case in cases}
    served_outputs = base_outputs | {"math-010": "It is 11.\nAnswer: 11", "math-011": "Answer: 13"}
    base, served = write_script(tmp_path / "b.json", base_outputs), write_script(tmp_path / "s.json", served_outputs)
    registry = tmp_path / "served.toml"
    registry.write_text(
        f'[served-base]\nbackend = "scripted"\nscript = "{base}"\n'
        f'[served-lora]\nbackend = "scripted"\nscript = "{served}"\nadapter_of = "served-base"\n'
    )
    args = [arg for arg in bench_args if not arg.startswith("--cases-dir")] + [f"--cases-dir={cases_dir}"]
    result = pytester.runpytest(*args, f"--models-file={registry}", "--model=served-base", "--model=served-lora")
    result.assert_outcomes(passed=23, failed=1, skipped=10)
    result.stdout.fnmatch_lines(
        [
            "served-lora vs served-base (same 12 cases):",
            "*warning: 83% of outputs are byte-identical to served-base's: little effect, or not applied*",
        ]
    )
    page = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "<p class='caution'>83% of outputs are byte-identical to served-base&#x27;s: little effect" in page
