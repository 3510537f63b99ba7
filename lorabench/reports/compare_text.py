"""The comparison as terminal text and as Markdown tables (a CI job summary), from the JSON reports."""

from __future__ import annotations

from lorabench.reports.compare import (
    Report,
    base_pairs,
    compare_pair,
    detectable_text,
    differences,
    error_notes,
    errors_text,
    graded_categories,
    pass_rate,
    shared_case_ids,
)

FOOTNOTES = [
    "* p < 0.05: a difference this large would be rare if the two models were equally good",
    "detectable: the smallest difference in pass rate these cases detect 80% of the time (paired, two-sided "
    "alpha 0.05; Connor 1987 at the observed discordance): a smaller real change would mostly go unseen",
]


def rate_line(report: Report, case_ids: list[str], category: str) -> str:
    passed, total, interval = pass_rate(report, case_ids, category)
    if interval is None:
        return f"{'-':>22}"
    low, high = (100 * bound for bound in interval)
    return f"{passed:>3}/{total:<3} {100 * passed / total:5.1f}% [{low:4.1f}-{high:5.1f}]"


def markdown_lines(reports: list[Report], baseline: str | None = None) -> list[str]:
    """The comparison as Markdown tables (GitHub's job summary renders them)."""
    case_ids = shared_case_ids(reports)
    categories = graded_categories(reports, case_ids)
    lines = [f"### lorabench: {len(reports)} models, {len(case_ids)} shared graded cases", ""]
    lines += [f"> {note}" for note in [*differences(reports), *error_notes(reports)]]
    lines += ["| model | " + " | ".join(categories) + " |", "|---" * (len(categories) + 1) + "|"]
    for report in reports:
        cells = []
        for category in categories:
            passed, total, interval = pass_rate(report, case_ids, category)
            cells.append(
                "–"
                if interval is None
                else f"{100 * passed / total:.0f}% [{100 * interval[0]:.0f}–{100 * interval[1]:.0f}]"
            )
        lines.append(f"| {report['model']['name']} | " + " | ".join(cells) + " |")
    for base, other in base_pairs(reports, baseline):
        pair = compare_pair(base, other, case_ids)
        lines += ["", f"**{pair['other']} vs {pair['base']}**", ""]
        warning = pair["identical_outputs_warning"]
        if warning is not None:
            lines += [f"> **{'WARNING' if warning[0] == 'loud' else 'Warning'}**: {warning[1]}", ""]
        lines += ["| category | gained | lost | McNemar p | detectable | errors |", "|---|---|---|---|---|---|"]
        for category, entry in pair["by_category"].items():
            p_value = f"**{entry['p_value']:.3f}**" if entry["p_value"] < 0.05 else f"{entry['p_value']:.3f}"
            errors = errors_text(entry, pair["base"], pair["other"])
            lines.append(
                f"| {category} | +{len(entry['gained'])} | −{len(entry['lost'])} | {p_value} | "
                f"{detectable_text(entry)} | {f'**{errors}**' if 'DIFFER' in errors else errors} |"
            )
    lines += ["", "Intervals: 95% Wilson. Bold p: below 0.05. " + FOOTNOTES[1].replace("alpha", "α")]
    return lines


def text_lines(reports: list[Report], baseline: str | None = None) -> list[str]:
    case_ids = shared_case_ids(reports)
    lines = [f"lorabench comparison: {len(reports)} models, {len(case_ids)} shared graded cases", *differences(reports)]
    names = [r["model"]["name"] for r in reports]
    categories = graded_categories(reports, case_ids)
    lines.append(f"  {'category':<18}" + "".join(f"{name[:22]:>24}" for name in names))
    for category in categories:
        lines.append(f"  {category:<18}" + "".join(f"{rate_line(r, case_ids, category):>24}" for r in reports))
    lines += [f"  NOTE {note}" for note in error_notes(reports)]
    for base, other in base_pairs(reports, baseline):
        pair = compare_pair(base, other, case_ids)
        lines.append(f"{pair['other']} vs {pair['base']} (same {len(case_ids)} cases):")
        for category, entry in pair["by_category"].items():
            mark = " *" if entry["p_value"] < 0.05 else ""
            counts = f"+{len(entry['gained'])} -{len(entry['lost'])}"
            errors = errors_text(entry, pair["base"], pair["other"])
            lines.append(
                f"  {category:<18} {counts}  McNemar p={entry['p_value']:.3f}{mark}"
                + f"  detectable {detectable_text(entry)}"
                + (f"  gained: {', '.join(entry['gained'][:6])}" if entry["gained"] else "")
                + (f"  lost: {', '.join(entry['lost'][:6])}" if entry["lost"] else "")
            )
            if errors:
                lines.append(f"  {'':<18} {errors}")
        warning = pair["identical_outputs_warning"]
        if warning is None:
            lines.append(f"  identical outputs: {100 * (pair['identical_outputs'] or 0):.0f}%")
        else:
            lines.append(f"  {'WARNING' if warning[0] == 'loud' else 'warning'}: {warning[1]}")
    return lines + FOOTNOTES
