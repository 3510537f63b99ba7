"""Compare models from their JSON reports: did the fine-tune help, and is the difference more than noise?

    python -m lorabench compare reports/*.json                      # every pair of an adapter and its base
    python -m lorabench compare reports/*.json --baseline smollm2   # and every model against one baseline

Only cases present in every report are compared, and the output says when reports differ in case files,
instructions or decoding. Per model and category: pass rate with its 95% Wilson interval. Per pair, on
the same cases: passes gained and lost, the exact McNemar p-value, the cases that flipped, judge scores
by paired bootstrap, the smallest difference the cases could have detected, error counts where they
differ, and the share of byte-identical outputs (warned about from 50%, loudly from 90%:
lorabench.run.adapter_effect). Reads reports only, never the HTML. Also writes the same
comparison as a page with plots, `index.html` beside the first report (compare_page); `--markdown`
prints it as Markdown tables instead of text (for a CI job summary).
"""

from __future__ import annotations

import json
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

from benchmarks.categories import CATEGORIES, is_judged
from lorabench.cli.parser import CommandParser
from lorabench.reports.statistics import (
    mcnemar_exact,
    mean_with_ci,
    minimum_detectable_difference,
    paired_bootstrap,
    wilson_interval,
)
from lorabench.run.adapter_effect import identical_outputs_warning

Report = dict[str, Any]
LIKE_FOR_LIKE = ("case_files_sha256", "instructions", "template_date", "generation")


def load_reports(paths: list[Path]) -> list[Report]:
    reports = []
    for path in paths:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: not a readable lorabench report: {exc}") from None
        if not isinstance(report, dict) or "cases" not in report or "model" not in report:
            raise ValueError(f"{path}: not a lorabench report (no 'model' and 'cases')")
        reports.append(report)
    return reports


def differences(reports: list[Report]) -> list[str]:
    """What differs between the reports besides the model: each makes the comparison less like for like."""
    notes = []
    for key in LIKE_FOR_LIKE:
        if len({json.dumps(_setting(r, key), sort_keys=True) for r in reports}) > 1:
            notes.append(f"the reports differ in {key}: only shared cases are compared, and prompts may differ")
    return notes


def _setting(report: Report, key: str) -> Any:
    value = report.get(key)
    if key == "generation" and isinstance(value, dict):  # whether the cache was used changes no answer
        value = {k: v for k, v in value.items() if k != "cache"}
    return value


def shared_case_ids(reports: list[Report]) -> list[str]:
    """Cases graded (passed or failed) in every report, in the first report's order."""
    graded = [{c["id"] for c in r["cases"] if c["outcome"] in ("passed", "failed")} for r in reports]
    common = set.intersection(*graded) if graded else set()
    return [c["id"] for c in reports[0]["cases"] if c["id"] in common] if reports else []


def base_pairs(reports: list[Report], baseline: str | None) -> list[tuple[Report, Report]]:
    """(base, other) pairs: an adapter with the report of its base weights (same weight hashes, or the
    registry's `adapter_of` naming the base's entry), and every model with `baseline`."""
    pairs = []
    for first, second in combinations(reports, 2):
        for base, adapted in ((first, second), (second, first)):
            if _is_adapter_of(adapted, base):
                pairs.append((base, adapted))
    if baseline is not None:
        named = [r for r in reports if r["model"]["name"] == baseline]
        if not named:
            raise ValueError(f"--baseline {baseline}: no report of that model among the inputs")
        pairs += [(named[0], r) for r in reports if r is not named[0] and (named[0], r) not in pairs]
    return pairs


def _is_adapter_of(adapted: Report, base: Report) -> bool:
    named = (adapted["model"].get("registry_entry") or {}).get("adapter_of")
    if named is not None:
        return named == base["model"]["name"]
    base_identity, adapted_identity = base["model"].get("identity", {}), adapted["model"].get("identity", {})
    return bool(
        adapted_identity.get("adapter")
        and not base_identity.get("adapter")
        and base_identity.get("weights") == adapted_identity.get("weights")
    )


def _flips(first: dict[str, Any], second: dict[str, Any], ids: list[str], counted: tuple[str, ...]) -> dict[str, Any]:
    """Gained and lost cases of `second` against `first`: a pass against any outcome in `counted`."""
    gained = [i for i in ids if first[i]["outcome"] in counted and second[i]["outcome"] == "passed"]
    lost = [i for i in ids if first[i]["outcome"] == "passed" and second[i]["outcome"] in counted]
    return {"gained": gained, "lost": lost, "p_value": mcnemar_exact(len(lost), len(gained))}


def _errors_entry(first: dict[str, Any], second: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """Both models' errors on `ids` and, where the counts differ, the flips with errors as failures."""
    errors = [sum(r[i]["outcome"] == "error" for i in ids) for r in (first, second)]
    entry: dict[str, Any] = {"errors": {"base": errors[0], "other": errors[1]}}
    if errors[0] != errors[1]:
        entry["errors_as_failures"] = {"cases": len(ids)} | _flips(first, second, ids, ("failed", "error"))
    return entry


def compare_pair(base: Report, other: Report, case_ids: list[str]) -> dict[str, Any]:
    """Paired results of `other` against `base` on `case_ids`, per category and overall: flips, exact
    McNemar p, the smallest difference these cases could detect (`detectable_difference`, Connor's
    formula at the observed discordance), and each model's errors in the category; where those differ,
    the same comparison with errors counted as failures, on the cases neither model skipped."""
    first, second = ({c["id"]: c for c in r["cases"]} for r in (base, other))
    result: dict[str, Any] = {"base": base["model"]["name"], "other": other["model"]["name"], "by_category": {}}
    both = [i for i in first if i in second and "skipped" not in (first[i]["outcome"], second[i]["outcome"])]
    for category in [*CATEGORIES, "overall"]:
        ids = [i for i in case_ids if category in ("overall", first[i]["category"])]
        in_category = [i for i in both if category in ("overall", first[i]["category"])]
        if not ids and not any(first[i]["outcome"] == "error" or second[i]["outcome"] == "error" for i in in_category):
            continue  # a category without shared graded cases still shows when it has errors
        entry: dict[str, Any] = {"cases": len(ids), **_flips(first, second, ids, ("failed",))}
        discordant = (len(entry["gained"]) + len(entry["lost"])) / len(ids) if ids else 0.0
        entry["detectable_difference"] = minimum_detectable_difference(len(ids), discordant)
        entry |= _errors_entry(first, second, in_category)
        if is_judged(category):
            scored = [
                i
                for i in ids
                if (first[i].get("judge") or {}).get("score") and (second[i].get("judge") or {}).get("score")
            ]
            estimate = paired_bootstrap(
                [first[i]["judge"]["score"] for i in scored], [second[i]["judge"]["score"] for i in scored]
            )
            entry["judge_score_difference"] = list(estimate) if estimate else None
        result["by_category"][category] = entry
    same = sum(first[i]["output"] == second[i]["output"] for i in case_ids)
    result["identical_outputs"] = same / len(case_ids) if case_ids else None
    result["identical_outputs_warning"] = identical_outputs_warning(result["identical_outputs"], result["base"])
    return result


def error_counts(reports: list[Report], category: str) -> dict[str, int]:
    """Each model's errors in `category` (or "overall"), over all its cases, shared or not."""
    return {
        r["model"]["name"]: sum(c["outcome"] == "error" and category in ("overall", c["category"]) for c in r["cases"])
        for r in reports
    }


def error_notes(reports: list[Report]) -> list[str]:
    """One line per category (and overall) whose error counts differ between the reports: their rates
    leave out different numbers of crashed cases, so they are not like for like. Every category any
    report has counts, even one left with no shared graded case (all errors in one model)."""
    present = {c["category"] for r in reports for c in r["cases"]}
    notes = []
    for category in [*(c for c in CATEGORIES if c in present), "overall"]:
        counts = error_counts(reports, category)
        if len(set(counts.values())) > 1:
            listed = ", ".join(f"{name} {count}" for name, count in counts.items())
            notes.append(
                f"{category}: error counts differ ({listed}); a case with an error in any report is left out "
                "of these rates; see each pair for errors counted as failures"
            )
    return notes


def detectable_text(entry: dict[str, Any]) -> str:
    """The smallest detectable difference in percentage points, or why there is none."""
    difference = entry["detectable_difference"]
    return f"±{100 * difference:.0f} pts" if difference is not None else "none (too few cases)"


def errors_text(entry: dict[str, Any], base: str, other: str) -> str:
    """The errors of a pair in one category, and the comparison with errors as failures where they differ."""
    errors = entry["errors"]
    if errors["base"] == errors["other"]:
        return f"errors {errors['base']} each" if errors["base"] else ""
    counted = entry["errors_as_failures"]
    return (
        f"ERRORS DIFFER ({base} {errors['base']}, {other} {errors['other']}; left out above); errors as failures "
        f"on {counted['cases']} cases: +{len(counted['gained'])} -{len(counted['lost'])} p={counted['p_value']:.3f}"
    )


def pass_rate(report: Report, case_ids: list[str], category: str) -> tuple[int, int, tuple[float, float] | None]:
    """(passed, graded, 95% Wilson interval) of `report` on the shared `case_ids` of `category` (or "overall")."""
    shared = set(case_ids)
    cases = [c for c in report["cases"] if c["id"] in shared and category in ("overall", c["category"])]
    passed = sum(c["outcome"] == "passed" for c in cases)
    return passed, len(cases), wilson_interval(passed, len(cases))


def judge_mean(report: Report, case_ids: list[str], category: str) -> tuple[float, float, float] | None:
    """Mean judge score with its 95% bootstrap interval on the shared cases of a judge category."""
    shared = set(case_ids)
    scores = [
        c["judge"]["score"]
        for c in report["cases"]
        if c["id"] in shared and c["category"] == category and (c.get("judge") or {}).get("score")
    ]
    return mean_with_ci(scores)


def graded_categories(reports: list[Report], case_ids: list[str]) -> list[str]:
    """The categories with shared graded cases, and "overall"."""
    shared = set(case_ids)
    present = {c["category"] for c in reports[0]["cases"] if c["id"] in shared} if reports else set()
    return [c for c in CATEGORIES if c in present] + (["overall"] if present else [])


def main(argv: list[str] | None = None) -> int:
    parser = CommandParser(prog="python -m lorabench compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="+", type=Path, help="reports/<model>.json files")
    parser.add_argument("--baseline", default=None, help="also compare every model with this one")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables instead of text")
    parser.add_argument(
        "--page", type=Path, default=None, help="where to write the HTML page (default: index.html beside the reports)"
    )
    args = parser.parse_args(argv)
    try:
        from lorabench.reports.compare_page import write_page
        from lorabench.reports.compare_text import markdown_lines, text_lines

        reports = load_reports(args.reports)
        lines = markdown_lines(reports, args.baseline) if args.markdown else text_lines(reports, args.baseline)
        print("\n".join(lines))
        page = write_page(reports, args.reports, args.page or args.reports[0].parent / "index.html", args.baseline)
        print(f"comparison page: {page}", file=sys.stderr)
    except ValueError as exc:
        print(f"compare: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
