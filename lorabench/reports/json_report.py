"""The machine-readable result of a run (`reports/<model>.json`) and the summary table built from it.

Everything later (comparisons, CI summaries) reads this JSON, never the HTML.
"""

from __future__ import annotations

import json
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks.categories import CATEGORIES
from lorabench.reports.atomic_files import write_text_atomically
from lorabench.reports.statistics import mean_with_ci, wilson_interval

REPORT_FORMAT = 1
OUTCOMES = ("passed", "failed", "skipped", "error")


def expected_text(case: dict[str, Any]) -> str:
    """What a correct answer looks like, in a few words, for a person reading the report (the category
    table's `expected_text` column)."""
    return CATEGORIES[case["category"]].expected_text(case)


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per category and overall; the pass rate is over graded cases: passed or failed, not skipped
    (no judge, budget) and not errors (a grader that raised, a judge reply without a score)."""
    by_category: dict[str, dict[str, Any]] = {}
    for category in CATEGORIES:
        counts = {outcome: 0 for outcome in OUTCOMES}
        for record in records:
            if record["category"] == category:
                counts[record["outcome"]] += 1
        if any(counts.values()):
            by_category[category] = _with_rate(counts)
            if CATEGORIES[category].judged:
                by_category[category]["judge"] = judge_summary([r for r in records if r["category"] == category])
    overall = {outcome: sum(c[outcome] for c in by_category.values()) for outcome in OUTCOMES}
    return {"by_category": by_category, "overall": _with_rate(overall)}


def judge_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Judge scores of one category: how many were judged, the mean with its 95% bootstrap interval."""
    scores = [r["judge"]["score"] for r in records if (r.get("judge") or {}).get("score") is not None]
    errors = sum(1 for r in records if r["outcome"] == "error")
    estimate = mean_with_ci([float(score) for score in scores])
    mean, low, high = (round(value, 3) for value in estimate) if estimate else (None, None, None)
    not_judged = len(records) - len(scores) - errors
    return {"judged": len(scores), "not_judged": not_judged, "errors": errors, "mean_score": mean, "ci95": [low, high]}


def _with_rate(counts: dict[str, int]) -> dict[str, Any]:
    """Counts with the pass rate over graded cases, and over graded cases and errors (an error counted as a
    failure), each with its 95% Wilson interval: a model whose answers crash the grader must not look
    better for it."""
    graded = counts["passed"] + counts["failed"]  # an error (of the grader or the judge) is neither
    with_errors = graded + counts["error"]
    total = sum(counts[o] for o in OUTCOMES)
    return {
        **counts,
        "graded": graded,
        "total": total,
        "pass_rate": counts["passed"] / graded if graded else None,
        "pass_rate_ci95": _interval(counts["passed"], graded),
        "pass_rate_errors_as_failures": counts["passed"] / with_errors if with_errors else None,
        "pass_rate_errors_as_failures_ci95": _interval(counts["passed"], with_errors),
    }


def _interval(passed: int, total: int) -> list[float | None]:
    interval = wilson_interval(passed, total)
    return [round(interval[0], 4), round(interval[1], 4)] if interval else [None, None]


def _percent(rate: float | None) -> str:
    return f"{100 * rate:.1f}%" if rate is not None else "-"


def summary_lines(model_name: str, summary: dict[str, Any], tools_mode: str | None) -> list[str]:
    """The per-category table printed at the end of a run."""
    tools = f" (tools shown via the {tools_mode})" if tools_mode else ""
    lines = [f"lorabench: {model_name}{tools}"]
    errors = summary["overall"]["error"] > 0  # then the rate with errors as failures stands beside the other
    header = f"  {'category':<18}{'passed':>8}{'graded':>8}{'rate':>8}{'skipped':>9}{'errors':>8}"
    lines.append(header + (f"{'rate, errors as failures':>26}" if errors else ""))
    rows = [*summary["by_category"].items(), ("overall", summary["overall"])]
    for name, counts in rows:
        rate = _percent(counts["pass_rate"])
        cells = f"{counts['passed']:>8}{counts['graded']:>8}{rate:>8}{counts['skipped']:>9}{counts['error']:>8}"
        if errors:
            cells += f"{_percent(counts['pass_rate_errors_as_failures']):>26}"
        lines.append(f"  {name:<18}{cells}")
    if errors:
        lines.append("  rate: over graded cases (errors left out); errors as failures: over graded cases and errors")
    for name, counts in summary["by_category"].items():
        judge = counts.get("judge")
        if judge is None:
            continue
        if judge["mean_score"] is None:
            lines.append(f"  {name}: not judged ({judge['not_judged']} cases)")
            continue
        low, high = judge["ci95"]
        lines.append(
            f"  {name}: mean judge score {judge['mean_score']:.2f} (95% CI {low:.2f}-{high:.2f}) over "
            f"{judge['judged']} judged; {judge['not_judged']} not judged, {judge['errors']} judge errors"
        )
    return lines


def _package_version(name: str) -> str | None:  # pragma: no mutate block (no report number)
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:  # pragma: no mutate block (no report number)
    packages = ("torch", "transformers", "accelerate", "gguf", "pytest", "pytest-html")
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "packages": {name: _package_version(name) for name in packages},
    }


def write_json(path: Path, report: dict[str, Any]) -> None:  # pragma: no mutate block (no report number)
    """Write atomically, so a crash mid-write never leaves a truncated report."""
    write_text_atomically(path, json.dumps(report, indent=1, ensure_ascii=False) + "\n")
