"""One real run on the default model (SmolLM2-135M-Instruct from its packaged GGUF), then a warm re-run.

Slow (about a minute on 2 cores the first time): it converts the GGUF once, generates for real
and checks both reports; the re-run must take every answer from the cache without loading the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch  # noqa: F401 - imported before pytester snapshots sys.modules: numpy cannot be loaded twice
import transformers  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")]


def test_smollm2_cold_then_warm(pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]) -> None:
    cold = pytester.runpytest(*bench_args, "--model=smollm2", "-m", "not judge")
    outcomes = cold.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 5, cold.stdout.str()
    report_path = tmp_path / "reports" / "smollm2.json"
    first = json.loads(report_path.read_text(encoding="utf-8"))
    model = first["model"]
    assert model["loaded"] is True and model["load_seconds"] > 0
    assert model["tools_mode"] == "system-prompt", "SmolLM2's template drops tools=; they must go in the system prompt"
    assert set(model["identity"]["weights"]) == {"gguf_file", "gguf_sha256"}
    for case in first["cases"]:
        assert case["output"] and case["completion_tokens"] > 0 and case["reason"], case
        assert "<|im_start|>assistant" in case["prompt"]
        assert case["from_cache"] is False
    assert (tmp_path / "reports" / "smollm2.html").stat().st_size > 10_000

    warm = pytester.runpytest(*bench_args, "--model=smollm2", "-m", "not judge")
    assert warm.parseoutcomes() == outcomes
    second = json.loads(report_path.read_text(encoding="utf-8"))
    assert second["model"]["loaded"] is False, "a fully cached run must not load the model"
    assert [c["output"] for c in second["cases"]] == [c["output"] for c in first["cases"]]
    assert all(case["from_cache"] for case in second["cases"])


def test_smollm2_judges_its_own_open_answers(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """The real judge path: SmolLM2 as model and judge on 3 shipped judge cases. Its scores are poor;
    what is checked is that every answer reached the judge and got a score or a judge error."""
    from lorabench.run.cases import load_cases
    from tests.conftest import BENCHMARKS, write_cases

    shipped = load_cases()
    cases = write_cases(tmp_path / "cases", shipped["judge_finetome"][:2] + shipped["judge_finance"][:1])
    args = [str(BENCHMARKS), f"--cases-dir={cases}", f"--cache-dir={tmp_path / 'cache'}"]
    args += [f"--reports-dir={tmp_path / 'reports'}", "-p", "no:cacheprovider", "-m", "judge"]
    result = pytester.runpytest(*args, "--model=smollm2", "--judge=smollm2", "--judge-retries=0")
    outcomes = result.parseoutcomes()
    assert sum(outcomes.get(kind, 0) for kind in ("passed", "failed", "errors")) == 3, result.stdout.str()
    report = json.loads((tmp_path / "reports" / "smollm2.json").read_text(encoding="utf-8"))
    assert report["model"]["judge"]["name"] == "smollm2" and report["model"]["judge"]["calls"] >= 3
    for case in report["cases"]:
        judge = case["judge"]
        assert case["output"] and judge["replies"] and all(judge["replies"]), case
        assert (judge["status"] == "judged") == (judge["score"] is not None) == (case["outcome"] != "error")
