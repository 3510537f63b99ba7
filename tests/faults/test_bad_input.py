"""Bad input, as a hostile-but-fair user would give it: each ends in one line naming the file, case or
entry at fault, before anything runs (issue 17, probes 2, 5, 7 and 8, and the fuzzing of case files).

Already held and tested elsewhere, not repeated here: one-line case errors (tests/test_cases.py,
tests/test_plugin.py::test_malformed_case_file_stops_before_running) and one-line registry errors
(tests/test_registry.py::test_bad_registry_entry_is_one_line_naming_file_entry_and_key).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lorabench.models.names import UnsafeNameError, report_file
from lorabench.models.registry import Registry, read_registry_file
from lorabench.models.spec import RegistryError
from lorabench.run.cases import CaseError, load_cases, parse_case_line
from tests.conftest import SMALL_SET, WEATHER_TOOL, write_cases, write_script

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
FC_CASE = next(case for case in SMALL_SET if case["category"] == "function_calling")


def _one_line(result: pytest.RunResult) -> list[str]:
    """The run's `ERROR:` lines; a usage error is one line and never a traceback."""
    text = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in text and "INTERNALERROR" not in text, text
    return [line for line in result.stderr.lines if line.startswith("ERROR:")]


# -- probe 8: a case file that is not UTF-8 -----------------------------------------------------------


def test_a_case_file_that_is_not_utf8_is_one_line_naming_file_line_and_column(
    pytester: pytest.Pytester, small_cases: Path, bench_args: list[str]
) -> None:
    path = small_cases / "math.jsonl"
    path.write_bytes(path.read_bytes() + b'{"id": "math-003", "prompt": "caf' + b'\xe9 ?"}\n')
    result = pytester.runpytest(*bench_args, "--model=oracle")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert _one_line(result) == [f"ERROR: {path}:3:34: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]


def test_a_byte_order_mark_is_not_an_error(tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "cases", SMALL_SET)
    path = cases / "math.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert [case["id"] for case in load_cases(cases)["math"]] == ["math-001", "math-002"]


# -- probe 2: tool schemas inside case files ------------------------------------------------------------


def _with_parameters(parameters: dict) -> dict:
    case = copy.deepcopy(FC_CASE)
    case["tools"] = [copy.deepcopy(WEATHER_TOOL), {"type": "function", "function": {**WEATHER_TOOL["function"]}}]
    case["tools"][1]["function"] = {"name": "set_alarm", "description": "Set an alarm.", "parameters": parameters}
    return case


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            {"type": "object", "properties": {"value": {"type": "strng"}}},
            "tools[1].parameters: at properties.value.type: 'strng' is not valid under any of the given schemas",
        ),
        (
            {"type": "object", "properties": {"value": {"type": "string"}}, "required": "value"},
            "tools[1].parameters: at required: 'value' is not of type 'array'",
        ),
    ],
)
def test_tool_schemas_are_checked_against_the_meta_schema_at_load(parameters: dict, message: str) -> None:
    case = _with_parameters(parameters)
    with pytest.raises(CaseError) as raised:
        parse_case_line(json.dumps(case), "fc.jsonl:4", "function_calling")
    assert str(raised.value) == f"fc.jsonl:4: case fc-001: {message}"


def test_a_bad_tool_schema_stops_even_the_oracle_before_running(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]
) -> None:
    bad = _with_parameters({"type": "object", "properties": {"value": {"type": "strng"}}})
    write_cases(tmp_path / "cases", [case for case in SMALL_SET if case["id"] != "fc-001"] + [bad])
    result = pytester.runpytest(*bench_args, "--model=oracle")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = _one_line(result)
    assert line.startswith("ERROR: ") and "function_calling.jsonl:1: case fc-001: tools[1].parameters: at " in line


# -- fuzzing: whatever the file holds, a valid load or one line ----------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
FIELDS = sorted({key for case in SMALL_SET for key in case} | {"tools.0.function.parameters", "expected_calls.0"})


def _loads_or_one_line(line: str, category: str) -> None:
    try:
        case = parse_case_line(line, "cases/x.jsonl:1", category)
    except CaseError as exc:
        message = str(exc)
        assert message.startswith("cases/x.jsonl:1: ") and "\n" not in message, message
    else:
        assert isinstance(case, dict) and case["category"] == category


@settings(max_examples=300, deadline=None, database=None)
@given(JSON_VALUES, st.sampled_from(sorted({case["category"] for case in SMALL_SET})))
def test_fuzz_random_json_lines(value: object, category: str) -> None:
    _loads_or_one_line(json.dumps(value), category)


@settings(max_examples=300, deadline=None, database=None)
@given(st.sampled_from(SMALL_SET), st.sampled_from(FIELDS), JSON_VALUES)
def test_fuzz_valid_cases_with_one_field_replaced(case: dict, field: str, value: object) -> None:
    """Random values deep inside otherwise valid cases reach the schema, the tool-schema and the
    cross-field checks, where a random JSON line would stop at the first."""
    mutated = copy.deepcopy(case)
    *parents, last = field.split(".")
    target = mutated
    for part in parents:
        target = target.get(part, {}) if isinstance(target, dict) else target
        target = target[int(part)] if isinstance(target, list) and part.isdigit() else target
    if isinstance(target, dict):
        target[last] = value
    _loads_or_one_line(json.dumps(mutated), case["category"])


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_fuzz_random_bytes_as_a_case_file(tmp_path: Path, data: bytes) -> None:
    cases = tmp_path / "fuzz"
    cases.mkdir(exist_ok=True)
    (cases / "math.jsonl").write_bytes(data)
    try:
        loaded = load_cases(cases)
    except CaseError as exc:
        assert str(exc).startswith(str(cases / "math.jsonl")) and "\n" not in str(exc), str(exc)
    else:
        assert all(case["category"] == "math" for case in loaded["math"])


# -- probe 5: model names that would write outside the reports directory --------------------------------


@pytest.mark.parametrize("name", ["../../../../tmp/x/pwn", "a/b", "index", ".hidden", "with space", ""])
def test_unsafe_registry_names_are_one_line_when_the_registry_loads(tmp_path: Path, name: str) -> None:
    registry = tmp_path / "mine.toml"
    registry.write_text(f'[{json.dumps(name)}]\nbackend = "oracle"\n', encoding="utf-8")
    with pytest.raises(RegistryError) as raised:
        read_registry_file(registry)
    assert str(raised.value).startswith(f"{registry}: model {name!r} ") and "\n" not in str(raised.value)


def test_a_path_name_in_a_registry_stops_the_run_and_writes_nothing_outside(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]
) -> None:
    outside = tmp_path / "x"
    registry = tmp_path / "mine.toml"
    registry.write_text(f'["../../{outside.relative_to(tmp_path)}/pwn"]\nbackend = "oracle"\n', encoding="utf-8")
    result = pytester.runpytest(*bench_args, f"--models-file={registry}", "--model=../../x/pwn")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = _one_line(result)
    assert "is not a usable model name" in line
    assert not outside.exists() and not (tmp_path / "reports").exists()


def test_names_with_a_colon_are_safe_and_report_files_stay_inside(tmp_path: Path) -> None:
    registry = tmp_path / "mine.toml"
    registry.write_text('["qwen2.5:7b"]\nbackend = "oracle"\n', encoding="utf-8")
    assert "qwen2.5:7b" in read_registry_file(registry)
    assert report_file(tmp_path, "qwen2.5:7b", ".json") == (tmp_path / "qwen2.5_7b.json").resolve()
    with pytest.raises(UnsafeNameError):
        report_file(tmp_path, "../escape", ".json")


def test_names_derived_from_paths_are_safe(tmp_path: Path) -> None:
    script = write_script(tmp_path / "my answers (v2)!.json", {})
    assert Registry.load().resolve(f"scripted:{script}").name == "scripted-my-answers-v2"
    weird = tmp_path / "..."
    weird.mkdir()
    (weird / "config.json").write_text("{}", encoding="utf-8")
    assert Registry.load().resolve(str(weird)).name == "model"


# -- probe 7: adapters that are missing or broken -------------------------------------------------------


def _adapter(tmp_path: Path, config_text: str | None) -> Path:
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    if config_text is not None:
        (adapter / "adapter_config.json").write_text(config_text, encoding="utf-8")
    return adapter


@pytest.mark.parametrize(
    ("entry", "config", "expected"),
    [
        ('adapter = "{missing}"\nbase = "me/base"', None, "model broken: adapter {missing} does not exist"),
        ('adapter = "{adapter}"', "{}", "model broken ({registry}): an adapter entry needs base = "),
        ('adapter = "{adapter}"\nbase = "me/base"', '{"r": 8,', "model broken: {adapter}/adapter_config.json:1:9: "),
        ('adapter = "{adapter}"\nbase = "me/base"', "[1]", "expected a JSON object, not list"),
        ('adapter = "{adapter}"\nbase = "me/base"', None, "model broken: {adapter}/adapter_config.json not found"),
    ],
)
def test_a_broken_adapter_is_one_line_at_start_and_the_other_models_still_report(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str], entry: str, config: str | None, expected: str
) -> None:
    adapter = _adapter(tmp_path, config)
    names = {"adapter": adapter, "missing": tmp_path / "missing", "registry": tmp_path / "mine.toml"}
    registry = names["registry"]
    registry.write_text(f'[broken]\nbackend = "transformers"\n{entry.format(**names)}\n', encoding="utf-8")
    result = pytester.runpytest(*bench_args, f"--models-file={registry}", "--model=broken", "--model=oracle")
    text = result.stdout.str() + result.stderr.str()
    assert result.ret == 3 and "Traceback" not in text, text
    said = [line for line in result.stdout.lines + result.stderr.lines if line.startswith("lorabench: model broken")]
    assert len(said) == 1 and expected.format(**names) in said[0], said
    assert json.loads((tmp_path / "reports" / "oracle.json").read_text(encoding="utf-8"))["incomplete"] is None
    assert not (tmp_path / "reports" / "broken.json").exists(), "a failed model never writes over reports/"
    broken = json.loads((tmp_path / "reports" / "incomplete" / "broken.json").read_text(encoding="utf-8"))
    assert broken["incomplete"].startswith("the model failed: model broken")
    assert {case["outcome"] for case in broken["cases"]} <= {"error", "skipped"}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('{"r": 8', "adapter_config.json:1:8: not valid JSON: Expecting ',' delimiter"),
        ('{"r": 8}', "adapter_config.json: no base_model_name_or_path; add a registry entry with base="),
    ],
)
def test_model_given_as_an_adapter_directory_names_its_config_file(tmp_path: Path, config: str, expected: str) -> None:
    adapter = _adapter(tmp_path, config)
    with pytest.raises(RegistryError) as raised:
        Registry.load().resolve(str(adapter))
    assert str(raised.value).startswith(str(adapter / "adapter_config.json")) and expected in str(raised.value)
