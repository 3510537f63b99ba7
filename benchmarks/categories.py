"""The case categories: one row each, holding everything the harness knows about a category.

Case loading and its schema, `grade()`, the benchmark test modules, prompts, generation limits, the oracle
model, the reports and the pytest markers all read this table, so a category is defined in one place:
adding one is a row here, a test module and its case file, and its name in the case schema's enum, which
loading checks against this table (`benchmarks/CASES.md`, "Adding a category").
The order of the rows is the order of the categories in reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from benchmarks import answer_texts
from benchmarks.graders.choice import grade_choice
from benchmarks.graders.numbers import grade_numeric
from benchmarks.graders.short_answer import grade_short_answer
from benchmarks.graders.tool_calls import grade_tool_calls
from benchmarks.graders.verdict import Verdict

Case = dict[str, Any]
Grader = Callable[[Case, str], Verdict]
AnswerText = Callable[[Case], str]


@dataclass(frozen=True)
class Category:
    name: str  # also the case file's name (`<name>.jsonl`), the case's `category` and the pytest marker
    instruction: str  # the system instruction every model gets, asking for an answer the grader can read
    max_new_tokens: int  # room for that answer; a registry entry may override it per model
    marker: str  # the marker's description in `pytest --markers`
    oracle_answer: AnswerText  # the correct answer, phrased as the instruction asks (the oracle model)
    expected_text: AnswerText  # what a correct answer looks like, for a person reading a report
    grader: Grader | None  # None: an LLM judge grades the answers (`--judge`)

    @property
    def judged(self) -> bool:
        return self.grader is None


_ROWS = (
    Category(
        name="math",
        instruction="Solve the problem step by step, briefly. Then write a final line of the form "
        "'Answer: <number>' with the number only: no units, no currency signs.",
        max_new_tokens=320,
        marker="math / logic cases with a numeric answer",
        oracle_answer=answer_texts.oracle_number,
        expected_text=answer_texts.expected_number,
        grader=grade_numeric,
    ),
    Category(
        name="function_calling",
        instruction="You can call the tools described to you. If one or more tools fit the request, reply with "
        'only the call(s) as JSON: a list of objects like [{"name": "<tool name>", "arguments": {...}}]. '
        "If no tool fits the request, do not call any tool: answer in plain text.",
        max_new_tokens=192,
        marker="tool-calling cases",
        oracle_answer=answer_texts.oracle_calls,
        expected_text=answer_texts.expected_calls,
        grader=grade_tool_calls,
    ),
    Category(
        name="situational",
        instruction="Read the scene and infer what is implied. Reply with a final line of the form "
        "'Answer: <short answer>' giving a few words only.",
        max_new_tokens=64,
        marker="situational inference cases",
        oracle_answer=answer_texts.oracle_short_answer,
        expected_text=answer_texts.expected_short_answer,
        grader=grade_short_answer,
    ),
    Category(
        name="mcq",
        instruction="Choose the single best option. You may explain briefly, then write a final line of the form "
        "'Answer: <letter>' with exactly one option letter.",
        max_new_tokens=160,
        marker="multiple-choice cases",
        oracle_answer=answer_texts.oracle_letter,
        expected_text=answer_texts.expected_option,
        grader=grade_choice,
    ),
    Category(
        name="judge_finetome",
        instruction="You are a helpful assistant. Answer the request accurately and completely.",
        max_new_tokens=512,
        marker="open answers in the FineTome style, graded by an LLM judge",
        oracle_answer=answer_texts.oracle_reference,
        expected_text=answer_texts.expected_judge_score,
        grader=None,
    ),
    Category(
        name="judge_finance",
        instruction="You are a knowledgeable financial assistant. Answer the question accurately and completely, "
        "showing any calculation.",
        max_new_tokens=512,
        marker="open finance answers, graded by an LLM judge",
        oracle_answer=answer_texts.oracle_reference,
        expected_text=answer_texts.expected_judge_score,
        grader=None,
    ),
)
CATEGORIES: dict[str, Category] = {row.name: row for row in _ROWS}


def is_judged(name: str) -> bool:
    """Whether an LLM judge grades category `name`; False for a name the table does not have (an old report's)."""
    row = CATEGORIES.get(name)
    return row is not None and row.judged


def judged_names() -> tuple[str, ...]:
    return tuple(name for name, row in CATEGORIES.items() if row.judged)


def grader_for(name: str) -> Grader:
    """The grader of category `name`, for its benchmark test module; a judged or unknown name is an error
    there, at import, rather than a test that grades nothing."""
    row = CATEGORIES.get(name)
    if row is None:
        raise ValueError(f"unknown category {name!r} (categories: {', '.join(CATEGORIES)})")
    if row.grader is None:
        raise ValueError(f"category {name} is graded by the LLM judge: its test uses `judge_verdict`, not a grader")
    return row.grader


def max_new_tokens_for(overrides: Mapping[str, int] | None = None) -> dict[str, int]:
    """The generation limit of every category for one model: the table's, replaced by the model's registry
    entry (`max_new_tokens = { math = 512 }`) where it names the category. The one place they are merged."""
    return {name: row.max_new_tokens for name, row in CATEGORIES.items()} | dict(overrides or {})


def marker_lines() -> list[str]:
    """One `name: description` line per category, as pytest's `markers` ini option takes them."""
    return [f"{name}: {row.marker}" for name, row in CATEGORIES.items()]
