"""How one phase of a case item ends up in the reports: its outcome (passed, failed, skipped, error), the
note that explains a skip or an error, and its JSON record. The pytest plugin gathers the facts of each
phase and calls `phase_result`; nothing here needs pytest.

A failed test with a verdict is a wrong answer (failed); a failure without one is an error of the
harness or the grader (error), as is a setup that did not finish (the model or the judge could not run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lorabench.reports.records import ModelAnswer, case_record
from lorabench.run.judge_items import JudgeError
from lorabench.run.model_failure import ModelFailure

ONE_LINE_ERRORS = (JudgeError, ModelFailure)  # their message says it all: no traceback, no "setup failed"


@dataclass(frozen=True)
class PhaseFacts:
    """What pytest knows about one phase of an item."""

    when: str  # "setup", "call" or "teardown"
    result: str  # pytest's outcome of the phase: "passed", "failed" or "skipped"
    error: BaseException | None = None  # what the phase raised
    error_text: str = ""  # that exception as one line, "Type: message" (pytest's `exconly`)
    skip_reason: str = ""


@dataclass(frozen=True)
class PhaseResult:
    outcome: str
    note: str
    record: dict[str, Any]  # the case's entry in the JSON report
    terminal_text: str | None = None  # replaces pytest's traceback where the line was already said


def phase_result(
    facts: PhaseFacts, case: dict[str, Any], model: str, answer: ModelAnswer | None, test_id: str
) -> PhaseResult | None:
    """The item's result from this phase, or None when the phase decides nothing (a setup that went well,
    a teardown): then the item's call phase does."""
    if facts.when == "teardown" or (facts.when == "setup" and facts.result == "passed"):
        return None
    outcome, note = _outcome_and_note(facts, answer)
    terminal_text = None
    if facts.when == "setup" and facts.result == "failed" and isinstance(facts.error, ModelFailure):
        # the model's line was said once, as it happened: the report points to it instead of a traceback
        terminal_text = f"{model} stopped: see the 'lorabench: {note.split(':')[0]}:' line above"
    return PhaseResult(outcome, note, case_record(case, outcome, answer, note, test_id), terminal_text)


def _outcome_and_note(facts: PhaseFacts, answer: ModelAnswer | None) -> tuple[str, str]:
    if facts.result == "skipped":
        return "skipped", facts.skip_reason
    if facts.when == "setup":
        if isinstance(facts.error, ONE_LINE_ERRORS):
            return "error", str(facts.error)
        return "error", f"setup failed: {facts.error_text}"
    if facts.result == "passed":
        return "passed", ""
    if answer is not None and answer.verdict is not None:
        return "failed", ""
    return "error", f"grading raised: {facts.error_text}"
