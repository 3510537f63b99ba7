"""The category table (benchmarks/categories.py): every consumer reads it, and a new category is one row, one
test module and a case file, as benchmarks/CASES.md ("Adding a category") shows."""

from __future__ import annotations

import configparser
import dataclasses
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchmarks import answer_texts
from benchmarks.categories import CATEGORIES, Category, grader_for, judged_names, max_new_tokens_for
from benchmarks.graders import grade
from benchmarks.graders.numbers import grade_numeric
from benchmarks.graders.verdict import Verdict
from benchmarks.instructions import MAX_NEW_TOKENS, SYSTEM_INSTRUCTIONS
from lorabench.backends.oracle import oracle_answer
from lorabench.reports.json_report import expected_text, summarize
from lorabench.run import cases as case_loading
from lorabench.run.cases import CaseError, case_schema, load_cases
from lorabench.run.generation import ModelRun
from lorabench.run.prompting import case_messages
from tests.conftest import BENCHMARKS, REPO, SMALL_SET, write_cases

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

MATH_CASE = next(case for case in SMALL_SET if case["category"] == "math")


def test_markers_are_registered_from_the_table_and_not_listed_in_pytest_ini(pytestconfig: pytest.Config) -> None:
    registered = {line.split(":")[0]: line.split(": ", 1)[1] for line in pytestconfig.getini("markers")}
    for name, row in CATEGORIES.items():
        assert registered[name] == row.marker
    ini = configparser.ConfigParser()
    ini.read(REPO / "pytest.ini")
    in_ini = {line.split(":")[0].split("(")[0] for line in ini["pytest"]["markers"].strip().splitlines()}
    assert in_ini == {"category", "judge", "slow", "gpu"}


def test_schema_enums_instructions_and_limits_agree_with_the_table() -> None:
    schema = case_schema()
    assert set(schema["properties"]["category"]["enum"]) == set(CATEGORIES)
    assert set(schema["$defs"]["judged_category"]["enum"]) == set(judged_names()) == {"judge_finetome", "judge_finance"}
    assert SYSTEM_INSTRUCTIONS == {name: row.instruction for name, row in CATEGORIES.items()}
    assert MAX_NEW_TOKENS == {name: row.max_new_tokens for name, row in CATEGORIES.items()}


def test_each_graded_category_has_a_test_module_grading_with_the_tables_grader() -> None:
    modules = {path.name: path.read_text(encoding="utf-8") for path in BENCHMARKS.glob("test_*.py")}
    for name, row in CATEGORIES.items():
        marked = [text for text in modules.values() if f'@pytest.mark.category("{name}")' in text]
        assert len(marked) == 1, f"{name}: one test function is marked for it"
        if not row.judged:
            assert f'model_answer.check(grader_for("{name}"))' in modules[f"test_{name}.py"]
            assert grader_for(name) is row.grader


@pytest.mark.parametrize(
    ("name", "problem"),
    [("judge_finance", "graded by the LLM judge"), ("poetry", "unknown category 'poetry' (categories: math, ")],
)
def test_grader_for_refuses_judged_and_unknown_categories(name: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        grader_for(name)


def _spy_row(monkeypatch: pytest.MonkeyPatch, name: str, **columns: Any) -> None:
    monkeypatch.setitem(CATEGORIES, name, dataclasses.replace(CATEGORIES[name], **columns))


def test_grading_prompts_oracle_and_report_text_read_the_row(monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = Verdict(True, "graded by the row's grader", 7)
    _spy_row(
        monkeypatch,
        "math",
        grader=lambda case, output: verdict,
        instruction="Row instruction.",
        oracle_answer=lambda case: "row oracle",
        expected_text=lambda case: "row expected",
    )
    assert grade(MATH_CASE, "anything") is verdict
    assert case_messages(MATH_CASE)[0] == {"role": "system", "content": "Row instruction."}
    assert oracle_answer(MATH_CASE) == "row oracle"
    assert expected_text(MATH_CASE) == "row expected"


def test_the_judged_flag_of_the_row_decides_grade_and_the_judge_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    _spy_row(monkeypatch, "math", grader=None)
    with pytest.raises(ValueError, match="category math is graded by the LLM judge"):
        grade(MATH_CASE, "Answer: 42")
    summary = summarize([{"category": "math", "outcome": "skipped"}])
    assert summary["by_category"]["math"]["judge"]["not_judged"] == 1


def test_max_new_tokens_merge_the_table_with_a_models_overrides() -> None:
    table = {name: row.max_new_tokens for name, row in CATEGORIES.items()}
    assert max_new_tokens_for() == max_new_tokens_for({}) == table
    assert max_new_tokens_for({"math": 4}) == table | {"math": 4}
    backend = SimpleNamespace(cacheable=False, default_batch_size=1)
    assert ModelRun(backend, None, [], 1, False, {"mcq": 9}).limits == table | {"mcq": 9}  # type: ignore[arg-type]


def test_the_report_states_the_limits_a_model_ran_with(pytester: pytest.Pytester, tmp_path: Path) -> None:
    models = tmp_path / "models.toml"
    models.write_text('[short]\nbackend = "oracle"\nmax_new_tokens = { math = 4 }\n', encoding="utf-8")
    args = [f"--cases-dir={write_cases(tmp_path / 'cases', SMALL_SET)}", f"--reports-dir={tmp_path / 'reports'}"]
    pytester.runpytest(str(BENCHMARKS), *args, f"--models-file={models}", "--model=short", "-p", "no:cacheprovider")
    report = json.loads((tmp_path / "reports" / "short.json").read_text(encoding="utf-8"))
    assert report["generation"]["max_new_tokens"] == max_new_tokens_for({"math": 4})
    assert "max_new_tokens" not in report["model"], "one value, where the decoding settings are"


def test_a_schema_that_disagrees_with_the_table_stops_loading(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    schema = json.loads(case_loading.SCHEMA_PATH.read_text(encoding="utf-8"))
    schema["properties"]["category"]["enum"].remove("mcq")
    edited = tmp_path / "schema.json"
    edited.write_text(json.dumps(schema), encoding="utf-8")
    monkeypatch.setattr(case_loading, "SCHEMA_PATH", edited)
    problem = rf"^{re.escape(str(edited))}: properties.category.enum is .* make them the same$"
    with pytest.raises(CaseError, match=problem):
        load_cases(write_cases(tmp_path / "cases", SMALL_SET))


def _worked_example() -> tuple[str, str, str]:
    """The row, the test module and the case lines of CASES.md's "Adding a category"."""
    text = (BENCHMARKS / "CASES.md").read_text(encoding="utf-8").split("## Adding a category", 1)[1]
    blocks = re.findall(r"```(python|json)\n(.*?)```", text, re.S)
    row, module = (re.sub(r"(?m)^   ", "", code) for kind, code in blocks if kind == "python")
    cases = next(re.sub(r"(?m)^   ", "", code) for kind, code in blocks if kind == "json")
    return row, module, cases


def test_a_new_category_is_one_row_one_test_module_and_a_case_file(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    row_text, module, case_lines = _worked_example()
    row = eval(row_text, {"Category": Category, "answer_texts": answer_texts, "grade_numeric": grade_numeric})
    monkeypatch.setitem(CATEGORIES, row.name, row)
    schema = json.loads(case_loading.SCHEMA_PATH.read_text(encoding="utf-8"))
    schema["properties"]["category"]["enum"].append(row.name)  # step 4 of the example
    (tmp_path / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    monkeypatch.setattr(case_loading, "SCHEMA_PATH", tmp_path / "schema.json")
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / f"{row.name}.jsonl").write_text(case_lines, encoding="utf-8")
    pytester.makeini((REPO / "pytest.ini").read_text(encoding="utf-8"))  # --strict-markers: the marker must exist
    pytester.makeconftest('pytest_plugins = ["fixtures.plugin"]')
    test_module = pytester.makepyfile(**{f"test_{row.name}": module})
    args = [f"--cases-dir={tmp_path / 'cases'}", f"--reports-dir={tmp_path / 'reports'}", "-p", "no:cacheprovider"]
    result = pytester.runpytest(str(test_module), *args, "--model=oracle", "--model=oracle-shuffled", "-m", row.name)
    result.assert_outcomes(passed=2, failed=2)
    names = ("oracle", "oracle-shuffled")
    reports = {name: json.loads((tmp_path / "reports" / f"{name}.json").read_text()) for name in names}
    right, wrong = ({c["id"]: c for c in reports[name]["cases"]} for name in names)
    shown = {"outcome": "passed", "expected": "7.6 ± 0.05", "output": "Answer: 7.6"}
    assert right["unit-002"] | shown == right["unit-002"]
    assert right["unit-002"]["prompt"].startswith('{"messages": [{"content": "Convert the quantity as asked.')
    assert wrong["unit-002"]["outcome"] == "failed" and wrong["unit-002"]["extracted"] == 3500
    assert reports["oracle"]["summary"]["by_category"][row.name]["passed"] == 2
    assert reports["oracle"]["generation"]["max_new_tokens"][row.name] == 96
    assert grade(json.loads(case_lines.splitlines()[0]), "Answer: 3500").passed
