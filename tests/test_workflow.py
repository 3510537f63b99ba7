"""The GitHub Actions workflow for the self-hosted GPU runner: valid against the workflow schema
(check-jsonschema's vendored copy, so offline), and wired the way docs/comparing.md says."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lorabench.models.registry import Registry
from tests.conftest import REPO

yaml = pytest.importorskip("yaml")
WORKFLOW = REPO / ".github" / "workflows" / "gpu-benchmark.yml"


def _validate(path: Path) -> subprocess.CompletedProcess:
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or "check-jsonschema"
    command = [tool, "--builtin-schema", "vendor.github-workflows", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_the_workflow_is_valid_and_a_broken_one_is_not(tmp_path: Path) -> None:
    assert _validate(WORKFLOW).returncode == 0, _validate(WORKFLOW).stdout
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:", 1), encoding="utf-8")
    assert _validate(broken).returncode != 0, "the validator must reject a job without runs-on"


def test_the_workflow_benchmarks_registry_models_on_the_gpu_runner_and_publishes_results() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    benchmark, compare = workflow["jobs"]["benchmark"], workflow["jobs"]["compare"]
    assert benchmark["runs-on"] == ["self-hosted", "gpu"]
    known = Registry.load(None).specs
    assert set(benchmark["strategy"]["matrix"]["model"]) <= set(known), "every matrix model is in the registry"
    script = "\n".join(step.get("run", "") for step in benchmark["steps"])
    assert "requirements-gpu.txt" in script and "pytest benchmarks" in script
    assert 'if [ -n "$LORABENCH_JUDGE_URL" ]' in script and "--judge ci-judge" in script
    assert "secrets.LORABENCH_JUDGE_URL" in benchmark["env"]["LORABENCH_JUDGE_URL"]
    uploads = [step for step in benchmark["steps"] if step.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "reports/" and uploads[0]["if"] == "always()"
    compare_script = "\n".join(step.get("run", "") for step in compare["steps"])
    assert '-m lorabench compare reports/*.json --markdown >> "$GITHUB_STEP_SUMMARY"' in compare_script
    assert compare["needs"] == "benchmark" and compare["if"] == "always()"


def test_the_compare_job_needs_only_jsonschema_and_matplotlib(tmp_path: Path) -> None:
    """The compare job installs those two: `python -m lorabench compare` must not import torch, transformers
    or pytest on its way to the text and the page."""
    from tests.test_compare_page import _pair

    paths = []
    for report in _pair():
        paths.append(str(tmp_path / f"{report['model']['name']}.json"))
        Path(paths[-1]).write_text(json.dumps(report), encoding="utf-8")
    code = (
        "import sys; from lorabench.cli.main import main; status = main(sys.argv[1:]);"
        "print(status, sorted(m for m in ('torch', 'transformers', 'pytest', 'peft') if m in sys.modules))"
    )
    command = [sys.executable, "-c", code, "compare", *paths, "--markdown"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout + done.stderr
    assert (tmp_path / "index.html").exists()


def test_the_judge_entry_the_workflow_writes_is_a_valid_registry_entry(tmp_path: Path) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    script = next(step["run"] for step in workflow["jobs"]["benchmark"]["steps"] if "printf" in step.get("run", ""))
    printf = script[script.index("printf") : script.index('judge.toml"') + len('judge.toml"')]
    env = {"LORABENCH_JUDGE_URL": "http://10.0.0.5:8000/v1", "LORABENCH_JUDGE_MODEL": "prometheus-7b"}
    subprocess.run(["bash", "-c", printf], env=env | {"RUNNER_TEMP": str(tmp_path)}, check=True, timeout=30)
    spec = Registry.load(tmp_path / "judge.toml").resolve("ci-judge", option="--judge")
    assert (spec.backend, spec.options["url"], spec.options["served_model"]) == ("openai", *env.values())
    assert spec.options["api_key_env"] == "LORABENCH_JUDGE_API_KEY"


MUTANTS = REPO / ".github" / "workflows" / "mutants.yml"


def test_the_weekly_mutation_workflow_is_valid_and_publishes_the_score(tmp_path: Path) -> None:
    assert _validate(MUTANTS).returncode == 0, _validate(MUTANTS).stdout
    broken = tmp_path / "broken.yml"
    broken.write_text(MUTANTS.read_text().replace("cron:", "crontab:", 1), encoding="utf-8")
    assert _validate(broken).returncode != 0, "the validator must reject a schedule without cron"
    workflow = yaml.safe_load(MUTANTS.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "1"] and "workflow_dispatch" in triggers
    steps = workflow["jobs"]["mutants"]["steps"]
    script = "\n".join(step.get("run", "") for step in steps)
    assert "make mutants" in script and '>> "$GITHUB_STEP_SUMMARY"' in script
    uploads = [step for step in steps if step.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and "mutants/score.md" in uploads[0]["with"]["path"] and uploads[0]["if"] == "always()"
    assert "mutants" not in (REPO / ".ci" / "run").read_text(), "too slow for every change"


def test_the_mutation_configuration_names_files_that_exist() -> None:
    """After a move of the code (or of its tests), `make mutants` must not silently mutate or run nothing."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    named = config["source_paths"] + config["also_copy"] + config["pytest_add_cli_args_test_selection"]
    assert [path for path in named if not (REPO / path).exists()] == []
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "mutmut run" in makefile and "tools/mutation_score.py --min 90" in makefile
