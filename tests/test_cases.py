"""Case files: validation at load time, with one-line errors naming file:line, case and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lorabench.run.cases import CaseError, load_cases
from tests.conftest import SMALL_SET, write_cases


def _write_lines(directory: Path, category: str, lines: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{category}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def test_valid_cases_load_by_category(tmp_path: Path) -> None:
    loaded = load_cases(write_cases(tmp_path, SMALL_SET))
    assert [case["id"] for case in loaded["math"]] == ["math-001", "math-002"]
    assert loaded["judge_finance"] == []


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    good = json.dumps(SMALL_SET[0])
    _write_lines(tmp_path, "math", [good, "", '{"id": "math-009", "category": "math",'])
    with pytest.raises(CaseError, match=r"math\.jsonl:3: invalid JSON") as error:
        load_cases(tmp_path)
    assert "\n" not in str(error.value)


def test_missing_field_names_case_and_field(tmp_path: Path) -> None:
    case = {"id": "math-005", "category": "math", "prompt": "2+2?"}
    _write_lines(tmp_path, "math", [json.dumps(case)])
    with pytest.raises(CaseError, match=r"math\.jsonl:1: case math-005: .*'answer' is a required property"):
        load_cases(tmp_path)


def test_wrong_type_names_the_field(tmp_path: Path) -> None:
    case = {"id": "math-005", "category": "math", "prompt": "2+2?", "answer": 4, "tolerance": -1}
    _write_lines(tmp_path, "math", [json.dumps(case)])
    with pytest.raises(CaseError, match=r"case math-005: field tolerance: -1 is less than the minimum"):
        load_cases(tmp_path)


def test_misspelt_field_is_rejected(tmp_path: Path) -> None:
    case = {"id": "math-005", "category": "math", "prompt": "2+2?", "answer": 4, "tolerence": 0.1}
    _write_lines(tmp_path, "math", [json.dumps(case)])
    with pytest.raises(CaseError, match="tolerence"):
        load_cases(tmp_path)


def test_category_must_match_the_file(tmp_path: Path) -> None:
    _write_lines(tmp_path, "mcq", [json.dumps(SMALL_SET[0])])
    with pytest.raises(CaseError, match=r"mcq\.jsonl:1: case math-001: field category: 'math' does not match"):
        load_cases(tmp_path)


def test_mcq_answer_must_be_an_option(tmp_path: Path) -> None:
    case = {**SMALL_SET[2], "answer": "C"}
    _write_lines(tmp_path, "mcq", [json.dumps(case)])
    with pytest.raises(CaseError, match=r"case mcq-001: field answer: 'C' is not one of the options"):
        load_cases(tmp_path)


def test_expected_call_must_name_a_tool(tmp_path: Path) -> None:
    case = {**SMALL_SET[3], "expected_calls": [{"name": "get_time", "arguments": {}}]}
    _write_lines(tmp_path, "function_calling", [json.dumps(case)])
    with pytest.raises(CaseError, match="'get_time' is not a tool of this case"):
        load_cases(tmp_path)


def test_prompt_and_messages_are_exclusive(tmp_path: Path) -> None:
    case = {**SMALL_SET[0], "messages": [{"role": "user", "content": "hi"}]}
    _write_lines(tmp_path, "math", [json.dumps(case)])
    with pytest.raises(CaseError, match="case math-001"):
        load_cases(tmp_path)


def test_duplicate_ids_across_files_are_an_error(tmp_path: Path) -> None:
    write_cases(tmp_path, SMALL_SET)
    clash = {**SMALL_SET[2], "id": "math-001"}
    _write_lines(tmp_path, "mcq", [json.dumps(clash)])
    with pytest.raises(CaseError, match=r"mcq\.jsonl:1: case math-001: duplicate id \(first at .*math\.jsonl:1\)"):
        load_cases(tmp_path)


def test_unknown_category_file_is_an_error(tmp_path: Path) -> None:
    write_cases(tmp_path, SMALL_SET)
    (tmp_path / "maths.jsonl").write_text(json.dumps(SMALL_SET[0]) + "\n", encoding="utf-8")
    with pytest.raises(CaseError, match=r"maths\.jsonl: unknown category file"):
        load_cases(tmp_path)


def test_shipped_cases_are_valid() -> None:
    loaded = load_cases()
    for category in ("math", "function_calling", "situational", "mcq"):
        assert len(loaded[category]) >= 5, category
