"""What the harness keeps about each case item: the answer a test grades and the record it reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.graders.judge_verdict import judged_verdict
from benchmarks.graders.verdict import Verdict
from lorabench.backends.base import Generation, Request
from lorabench.reports.json_report import expected_text
from lorabench.run.judging import JudgeVerdict

Grader = Callable[[dict[str, Any], str], Verdict]


@dataclass(repr=False)
class ModelAnswer:
    """A model's answer to one case; `check` grades it and keeps the verdict for the reports."""

    case: dict[str, Any]
    request: Request
    generation: Generation
    verdict: Verdict | None = field(default=None)
    judge: JudgeVerdict | None = field(default=None)

    @property
    def text(self) -> str:
        return self.generation.text

    def __repr__(self) -> str:  # short, because pytest prints it in every failure
        return f"ModelAnswer({self.case['id']}: {self.generation.text[:60]!r})"

    def check(self, grader: Grader) -> Verdict:
        self.verdict = grader(self.case, self.generation.text)
        return self.verdict

    def check_judged(self, judge: JudgeVerdict) -> Verdict:
        """The verdict from the judge's score and the case threshold (`judge` has a score)."""
        assert judge.score is not None, f"case {self.case['id']}: judge verdict without a score"
        self.judge = judge
        self.verdict = judged_verdict(judge.score, self.case["threshold"], judge.feedback)
        return self.verdict


def case_record(
    case: dict[str, Any], outcome: str, answer: ModelAnswer | None, note: str = "", test_id: str = ""
) -> dict[str, Any]:
    """One entry of `cases` in the JSON report.

    `outcome` is passed, failed, skipped or error; `note` explains a skip or an error when there is
    no verdict to do it; `test_id`: the pytest node id (the comparison page links to it).
    """
    record: dict[str, Any] = {
        "id": case["id"],
        "test_id": test_id,
        "category": case["category"],
        "difficulty": case.get("difficulty"),
        "outcome": outcome,
        "expected": expected_text(case),
        "reason": note,
        "extracted": None,
        "prompt": None,
        "output": None,
    }
    if answer is not None:
        generation = answer.generation
        record.update(
            prompt=answer.request.prompt,
            output=generation.text,
            seconds=round(generation.seconds, 4),
            prompt_tokens=generation.prompt_tokens,
            completion_tokens=generation.completion_tokens,
            finish_reason=generation.finish_reason,
            from_cache=generation.from_cache,
            replaced_code_points=generation.replaced_code_points,
        )
    if answer is not None and answer.verdict is not None:
        record.update(reason=answer.verdict.reason, extracted=answer.verdict.extracted)
    if answer is not None and answer.judge is not None:
        record["judge"] = answer.judge.to_dict() | {"threshold": case["threshold"]}
    return record
