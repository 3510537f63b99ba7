"""The shipped 200 cases are verified, not trusted: counts, difficulty spread, worked solutions, tool
schemas, MCQ balance and case-specific judge rubrics. (Oracle checks: test_oracle_shipped.py.)"""

from __future__ import annotations

from collections import Counter
from typing import Any

import jsonschema
import pytest

from benchmarks.answer_texts import oracle_arguments
from benchmarks.arithmetic import evaluate
from lorabench.run.cases import JUDGE_CATEGORIES, load_cases

SHIPPED = load_cases()
COUNTS = {"math": 25, "function_calling": 35, "situational": 20, "mcq": 20, "judge_finetome": 50, "judge_finance": 50}
DETERMINISTIC = [category for category in COUNTS if category not in JUDGE_CATEGORIES]


def _cases(category: str) -> list[dict[str, Any]]:
    return SHIPPED[category]


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["id"] for case in cases]


def test_the_set_has_exactly_the_planned_counts() -> None:
    assert {category: len(cases) for category, cases in SHIPPED.items()} == COUNTS


@pytest.mark.parametrize("category", DETERMINISTIC)
def test_each_deterministic_category_spreads_its_difficulty(category: str) -> None:
    levels = Counter(case.get("difficulty") for case in _cases(category))
    assert set(levels) == {"easy", "medium", "hard"}, levels
    assert min(levels.values()) >= 0.2 * len(_cases(category)), levels


@pytest.mark.parametrize("case", _cases("math"), ids=_ids(_cases("math")))
def test_math_worked_solution_gives_the_answer(case: dict[str, Any]) -> None:
    value = evaluate(case["work"])
    tolerance = case.get("tolerance", 0)
    assert abs(value - case["answer"]) <= tolerance + 1e-9, f"work {case['work']} = {value}, answer {case['answer']}"


FUNCTION_CALLING = _cases("function_calling")


@pytest.mark.parametrize("case", FUNCTION_CALLING, ids=_ids(FUNCTION_CALLING))
def test_every_accepted_argument_value_fits_its_tool_schema(case: dict[str, Any]) -> None:
    tools = {tool["function"]["name"]: tool["function"]["parameters"] for tool in case["tools"]}
    for call in case["expected_calls"]:
        schema = tools[call["name"]]
        jsonschema.Draft202012Validator.check_schema(schema)
        sent = oracle_arguments(call)
        jsonschema.validate(sent, schema, cls=jsonschema.Draft202012Validator)
        for name, accepted in call["arguments"].items():
            assert name in schema.get("properties", {}), f"{call['name']} has no parameter {name!r}"
            for value in accepted:
                if value is not None:
                    one = {**sent, name: value}
                    jsonschema.validate(one, schema, cls=jsonschema.Draft202012Validator)
            if None in accepted:
                assert name not in schema.get("required", []), f"{call['name']}: required {name!r} cannot be omitted"


def test_function_calling_mixes_the_required_skills() -> None:
    no_call = [case for case in FUNCTION_CALLING if not case["expected_calls"]]
    parallel = [case for case in FUNCTION_CALLING if len(case["expected_calls"]) >= 2]
    choosing = [case for case in FUNCTION_CALLING if len(case["tools"]) >= 2 and case["expected_calls"]]
    assert len(no_call) >= 6
    assert len(parallel) >= 3
    assert len(choosing) >= 6


MCQ = _cases("mcq")


def test_mcq_correct_letters_are_balanced() -> None:
    letters = Counter(case["answer"] for case in MCQ)
    assert max(letters.values()) <= 0.35 * len(MCQ), letters


def test_mcq_correct_option_is_not_given_away_by_length() -> None:
    longest = [
        case["id"] for case in MCQ if max(case["options"], key=lambda k: len(case["options"][k])) == case["answer"]
    ]
    assert len(longest) <= 0.4 * len(MCQ), longest


@pytest.mark.parametrize("case", MCQ, ids=_ids(MCQ))
def test_mcq_options_are_distinct_and_listed_in_the_prompt(case: dict[str, Any]) -> None:
    options = case["options"]
    assert 4 <= len(options) <= 5
    assert sorted(options) == list("ABCDE"[: len(options)])
    assert len({text.strip().lower() for text in options.values()}) == len(options)
    for letter, text in options.items():
        assert f"{letter}) {text}" in case["prompt"], f"option {letter} is not listed as '{letter}) ...'"


JUDGED = [case for category in JUDGE_CATEGORIES for case in _cases(category)]


@pytest.mark.parametrize("case", JUDGED, ids=_ids(JUDGED))
def test_judge_case_has_a_full_rubric_and_a_substantial_reference(case: dict[str, Any]) -> None:
    assert sorted(case["rubric"]["scores"]) == ["1", "2", "3", "4", "5"]
    assert len(case["reference_answer"].split()) >= 80
    if case["threshold"] != 4:
        assert case.get("notes"), "a threshold other than 4 needs a reason in notes"


def test_judge_rubrics_are_specific_to_their_case() -> None:
    descriptions = Counter(text for case in JUDGED for text in case["rubric"]["scores"].values())
    criteria = Counter(case["rubric"]["criteria"] for case in JUDGED)
    assert [text for text, n in descriptions.items() if n > 1] == []
    assert [text for text, n in criteria.items() if n > 1] == []


def test_prompts_are_unique_across_the_set() -> None:
    prompts = Counter(" ".join(case["prompt"].lower().split()) for cases in SHIPPED.values() for case in cases)
    assert [prompt[:60] for prompt, n in prompts.items() if n > 1] == []
