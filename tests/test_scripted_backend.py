"""The scripted model: a selected case with no output and no `default` is an error naming the case
and the file, never an empty answer graded as the model's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lorabench.backends.base import BackendContext
from lorabench.backends.scripted import ScriptedBackend, ScriptError
from lorabench.models.sources import ModelSourceError
from lorabench.models.spec import ModelSpec

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")


def _backend(tmp_path: Path, script: dict) -> ScriptedBackend:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(script), encoding="utf-8")
    spec = ModelSpec(name="scripted-answers", backend="scripted", options={"script": str(path)})
    return ScriptedBackend(spec, BackendContext(cache_dir=tmp_path))


def test_a_case_without_output_or_default_is_an_error_naming_case_and_file(tmp_path: Path) -> None:
    backend = _backend(tmp_path, {"outputs": {"math-001": "Answer: 42"}})
    assert backend._answer("math-001") == "Answer: 42"
    with pytest.raises(ScriptError, match=r"answers\.json: no output for case mcq-002 \(and no 'default'"):
        backend._answer("mcq-002")
    assert issubclass(ScriptError, ModelSourceError)


def test_an_empty_list_of_answers_without_default_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="no output for case fc-003"):
        _backend(tmp_path, {"outputs": {"fc-003": []}})._answer("fc-003")


def test_a_default_answers_every_other_case_even_when_empty(tmp_path: Path) -> None:
    assert _backend(tmp_path, {"outputs": {}, "default": "I don't know."})._answer("sit-009") == "I don't know."
    assert _backend(tmp_path, {"outputs": {}, "default": ""})._answer("sit-009") == ""


def test_a_run_stops_with_one_line_naming_the_case_and_the_file(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]
) -> None:
    script = tmp_path / "partial.json"
    script.write_text(json.dumps({"outputs": {"math-001": "Answer: 42"}}), encoding="utf-8")
    result = pytester.runpytest(*bench_args, f"--model=scripted:{script}", "-k", "math")
    assert result.ret == 3
    result.stdout.fnmatch_lines([f"*lorabench: model scripted-partial: {script}: no output for case math-002*"])
