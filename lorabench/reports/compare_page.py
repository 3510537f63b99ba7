"""`reports/index.html`: every model that has a JSON report, compared on one self-contained page.

Written after every run and by `python -m lorabench.reports.compare`. Only the JSON reports are read. The page
has no script and loads nothing: styles inline, figures as inline SVG, and every text that came from a
model, a case or a registry escaped.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from benchmarks.categories import is_judged
from lorabench.reports.atomic_files import write_text_atomically
from lorabench.reports.compare import (
    Report,
    base_pairs,
    compare_pair,
    detectable_text,
    differences,
    error_counts,
    error_notes,
    errors_text,
    graded_categories,
    judge_mean,
    load_reports,
    pass_rate,
    shared_case_ids,
)
from lorabench.reports.compare_plots import pass_rate_bars, pass_rate_heatmap

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1150px; padding: 0 1em; color: #222 }
table { border-collapse: collapse; margin: .6em 0 1.2em } td, th { border: 1px solid #ccc; padding: .25em .6em }
th { background: #f3f3f3 } td.num { text-align: right; font-variant-numeric: tabular-nums }
.warning { background: #fde2e1; border: 2px solid #c62828; padding: .6em 1em; font-weight: 600 }
.note { background: #fff6d6; border: 1px solid #d8b200; padding: .4em 1em }
.caution { background: #fff0d9; border: 2px solid #e07b00; padding: .6em 1em; font-weight: 600 }
.significant { font-weight: 700; color: #1b5e20 } .interval { color: #666 }
details pre { white-space: pre-wrap; background: #f7f7f7; padding: .5em; max-height: 18em; overflow: auto }
figure { margin: 1em 0 } svg { max-width: 100%; height: auto }
"""


def _percent(value: tuple[int, int, tuple[float, float] | None]) -> str:
    passed, total, interval = value
    if interval is None:
        return "–"
    low, high = interval
    return (
        f"{100 * passed / total:.0f}% <span class='interval'>[{100 * low:.0f}–{100 * high:.0f}]</span>"
        f" <small>{passed}/{total}</small>"
    )


def _model_link(name: str, links: dict[str, str]) -> str:
    return f"<a href='{escape(links[name])}'>{escape(name)}</a>" if name in links else escape(name)


def _rates_table(reports: list[Report], case_ids: list[str], categories: list[str], links: dict[str, str]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in categories)
    rows = []
    for report in reports:
        name = report["model"]["name"]
        errors = {c: error_counts([report], c)[name] for c in categories}
        cells = "".join(
            f"<td class='num'>{_percent(pass_rate(report, case_ids, c))}"
            + (f" <small class='interval'>+{errors[c]} errors left out</small>" if errors[c] else "")
            + "</td>"
            for c in categories
        )
        rows.append(f"<tr><th>{_model_link(name, links)}</th>{cells}</tr>")
    return f"<table><tr><th>model</th>{head}</tr>{''.join(rows)}</table>"


def _judge_table(reports: list[Report], case_ids: list[str], categories: list[str]) -> str:
    judged = [c for c in categories if is_judged(c)]
    rows = []
    for report in reports:
        cells = []
        for category in judged:
            estimate = judge_mean(report, case_ids, category)
            if estimate is None:
                cells.append("<td>–</td>")
            else:
                mean, low, high = estimate
                cells.append(f"<td class='num'>{mean:.2f} <span class='interval'>[{low:.2f}–{high:.2f}]</span></td>")
        rows.append(f"<tr><th>{escape(report['model']['name'])}</th>{''.join(cells)}</tr>")
    if not judged or not rows:
        return ""
    head = "".join(f"<th>{escape(c)}</th>" for c in judged)
    return (
        "<h2>Judge scores (1–5): mean, 95% bootstrap interval</h2>"
        f"<table><tr><th>model</th>{head}</tr>{''.join(rows)}</table>"
    )


def _case_link(name: str, record: dict[str, Any], links: dict[str, str]) -> str:
    """The model's name, linked to the case's row in its per-model report where there is one."""
    target = links.get(name)
    if target and record.get("test_id"):
        target = f"{target}#{record['test_id']}"
    label = escape(name)
    return f"<a href='{escape(target, quote=True)}'>{label}</a>" if target else label


def _flipped(base: Report, other: Report, ids: list[str], direction: str, links: dict[str, str]) -> str:
    if not ids:
        return ""
    first, second = ({c["id"]: c for c in r["cases"]} for r in (base, other))
    items = []
    for case_id in ids:
        outputs = "".join(
            f"<p>{escape(r['model']['name'])} ({record['outcome']}): {escape(record['reason'] or '')}</p>"
            f"<pre>{escape(record['output'] or '')}</pre>"
            for r, record in ((base, first[case_id]), (other, second[case_id]))
        )
        links_html = " · ".join(
            _case_link(r["model"]["name"], records[case_id], links) for r, records in ((base, first), (other, second))
        )
        items.append(f"<li><details><summary>{escape(case_id)} ({links_html})</summary>{outputs}</details></li>")
    return f"<p>{direction}:</p><ul>{''.join(items)}</ul>"


def _pair_section(base: Report, other: Report, case_ids: list[str], links: dict[str, str]) -> str:
    pair = compare_pair(base, other, case_ids)
    rows, flips = [], []
    for category, entry in pair["by_category"].items():
        mark = " class='significant'" if entry["p_value"] < 0.05 else ""
        judge = entry.get("judge_score_difference")
        judge_cell = f"{judge[0]:+.2f} [{judge[1]:+.2f}, {judge[2]:+.2f}]" if judge else "–"
        errors = errors_text(entry, pair["base"], pair["other"])
        errors_cell = f"<td class='warning'>{escape(errors)}</td>" if "DIFFER" in errors else f"<td>{errors}</td>"
        rows.append(
            f"<tr><th>{escape(category)}</th><td class='num'>{entry['cases']}</td>"
            f"<td class='num'>+{len(entry['gained'])}</td><td class='num'>−{len(entry['lost'])}</td>"
            f"<td class='num'{mark}>{entry['p_value']:.3f}</td><td class='num'>{detectable_text(entry)}</td>"
            f"<td class='num'>{judge_cell}</td>{errors_cell}</tr>"
        )
        if category != "overall":
            flips.append(_flipped(base, other, entry["gained"], f"{category}: failed → passed", links))
            flips.append(_flipped(base, other, entry["lost"], f"{category}: passed → failed", links))
    warning = pair["identical_outputs_warning"]
    if warning is not None:
        level, message = warning
        same_html = f"<p class='{'warning' if level == 'loud' else 'caution'}'>{escape(message)}.</p>"
    else:
        same_html = f"<p>Byte-identical outputs: {100 * (pair['identical_outputs'] or 0):.0f}% of the shared cases.</p>"
    return (
        f"<h2>{_model_link(pair['other'], links)} against {_model_link(pair['base'], links)}</h2>{same_html}"
        "<table><tr><th>category</th><th>cases</th><th>gained</th><th>lost</th>"
        "<th>McNemar p (exact)</th><th>smallest detectable difference</th><th>judge score difference [95%]</th>"
        "<th>errors</th></tr>"
        f"{''.join(rows)}</table>{''.join(flips)}"
    )


def page_html(reports: list[Report], links: dict[str, str], baseline: str | None = None) -> str:
    """The page for `reports`; `links`: model name -> its per-model HTML report, relative to the page."""
    case_ids = shared_case_ids(reports)
    categories = graded_categories(reports, case_ids)
    rates = {}
    for report in reports:
        rates[report["model"]["name"]] = {
            c: (passed / total, *interval)
            for c in categories
            for passed, total, interval in [pass_rate(report, case_ids, c)]
            if interval is not None
        }
    pairs = base_pairs(reports, baseline)
    notes = "".join(f"<p class='note'>{escape(note)}</p>" for note in [*differences(reports), *error_notes(reports)])
    figures = (
        f"<figure>{pass_rate_bars(rates, categories)}</figure><figure>{pass_rate_heatmap(rates, categories)}</figure>"
        if categories
        else "<p>No graded cases are shared by these reports.</p>"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>lorabench comparison</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>lorabench: {len(reports)} model{'s' * (len(reports) != 1)} compared</h1>"
        f"<p>{len(case_ids)} graded cases shared by every report; rates are over those cases only. "
        "Intervals are 95% Wilson intervals; a bold p-value is below 0.05. The smallest detectable difference "
        "is the change in pass rate these cases would detect 80% of the time (paired, two-sided α 0.05; "
        "Connor 1987 at the observed share of flipped cases): a smaller real change would mostly go unseen.</p>"
        f"{notes}{figures}<h2>Pass rates</h2>{_rates_table(reports, case_ids, categories, links)}"
        f"{_judge_table(reports, case_ids, categories)}"
        f"{''.join(_pair_section(base, other, case_ids, links) for base, other in pairs)}"
        "</body></html>"
    )


def write_index(directory: Path, baseline: str | None = None) -> Path | None:
    """Compare every `<model>.json` in `directory` on `directory/index.html`; None if there is none."""
    paths = sorted(directory.glob("*.json"))
    if not paths:
        return None
    return write_page(load_reports(paths), paths, directory / "index.html", baseline)


def write_page(reports: list[Report], paths: list[Path], target: Path, baseline: str | None = None) -> Path:
    """Write the page for `reports` (read from `paths`) to `target`, linking each model's HTML report."""
    write_text_atomically(target, page_html(reports, _html_links(reports, paths, target.parent), baseline))
    return target


def _html_links(reports: list[Report], paths: list[Path], page_dir: Path) -> dict[str, str]:
    links: dict[str, Any] = {}
    for report, path in zip(reports, paths, strict=True):
        html = path.with_suffix(".html")
        if html.is_file():
            try:
                links[report["model"]["name"]] = html.resolve().relative_to(page_dir.resolve()).as_posix()
            except ValueError:
                links[report["model"]["name"]] = html.resolve().as_uri()
    return links
