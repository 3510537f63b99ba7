"""`--judge-check`: does the judge tell a good answer from a bad one, on our own cases?

For the first few cases of each judge category the judge grades three answers: the case's reference
answer, an empty answer, and an off-topic one (the reference answer of a case from the other judge
category). A judge worth using scores the reference above both; the check prints the share of cases
where it does (its agreement with that obvious ordering), case by case.
"""

from __future__ import annotations

from typing import Any

from lorabench.backends.base import ModelSpec
from lorabench.run.cases import JUDGE_CATEGORIES
from lorabench.run.judging import JudgeSettings, JudgeVerdict
from lorabench.run.session import BenchmarkSession
from lorabench.run.settings import Settings

Case = dict[str, Any]
VARIANTS = ("reference", "empty", "off-topic")


def check_answers(cases_by_category: dict[str, list[Case]], per_category: int) -> list[tuple[Case, str]]:
    """(case, answer) pairs to judge; each case id carries its variant, e.g. `ft-001:empty`."""
    pools = [cases_by_category.get(category, [])[:per_category] for category in JUDGE_CATEGORIES]
    answers = []
    for index, pool in enumerate(pools):
        other = pools[1 - index] or pool
        for position, case in enumerate(pool):
            off_topic = other[position % len(other)]["reference_answer"]
            for variant, text in zip(VARIANTS, (case["reference_answer"], "", off_topic), strict=True):
                answers.append(({**case, "id": f"{case['id']}:{variant}"}, text))
    return answers


def agreement_lines(verdicts: dict[str, JudgeVerdict], case_ids: list[str]) -> list[str]:
    """One line per case with its three scores, then the agreement."""
    lines, agreed, counted = [], 0, 0
    for case_id in case_ids:
        scores = {variant: verdicts[f"{case_id}:{variant}"].score for variant in VARIANTS}
        shown = "  ".join(f"{v} {scores[v] if scores[v] is not None else '?'}" for v in VARIANTS)
        if None in scores.values():
            lines.append(f"  {case_id:<10} {shown}   (a reply without a score: not counted)")
            continue
        counted += 1
        ok = scores["reference"] > scores["empty"] and scores["reference"] > scores["off-topic"]
        agreed += ok
        lines.append(f"  {case_id:<10} {shown}   {'ok' if ok else 'WRONG ORDER'}")
    share = f"{100 * agreed / counted:.0f}%" if counted else "-"
    lines.append(
        f"agreement: {agreed}/{counted} cases ({share}) score the reference above the empty and off-topic answers"
    )
    return lines


def run_judge_check(
    settings: Settings, judge_spec: ModelSpec, judge_settings: JudgeSettings, per_category: int = 3
) -> list[str]:
    session = BenchmarkSession(settings, [], judge_spec=judge_spec, judge_settings=judge_settings)
    answers = check_answers(session.cases(), per_category)
    judge = session.judge_run()
    try:
        verdicts = judge.judge(answers)
    finally:
        session.close()
    case_ids = list(dict.fromkeys(case["id"].rsplit(":", 1)[0] for case, _ in answers))
    header = f"judge check: {judge_spec.name}, {len(case_ids)} cases x {len(VARIANTS)} answers"
    header += f", {judge.spent.calls} judge calls"
    return [header, *agreement_lines(verdicts, case_ids)]
