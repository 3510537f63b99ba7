"""One self-contained pytest-html report per model (`reports/<model>.html`), from one pytest run.

pytest-html writes one file per session; a run over several models registers one report object per
model, each of which only takes in its own model's test reports. Built on pytest-html's report
class (pinned major version in requirements.txt); the columns and escaping are in `html_columns`.
Rows open collapsed: a run has hundreds of items, and a reader scans the answer and verdict columns
before opening the few rows whose prompt and output they want to read. A user's own `render_collapsed`
(pytest-html's ini option, any value but its default) or `?collapsed=` in the page's URL still decides.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import pytest
from pytest_html.report_data import ReportData
from pytest_html.selfcontained_report import SelfContainedReport
from pytest_html.util import _process_css, _read_template

from benchmarks.instructions import SYSTEM_INSTRUCTIONS

MODEL_ATTRIBUTE = "lorabench_model"  # set on every test report of a benchmark item
PYTEST_HTML_COLLAPSED_DEFAULT = "passed"  # pytest-html's default for its `render_collapsed` ini option
EXTRA_CSS = """
#results-table td.col-expected, #results-table td.col-answer, #results-table td.col-reason {
  overflow-wrap: anywhere; color: #333;
}
#results-table td.col-answer { min-width: 20em; }
#results-table td.col-reason { min-width: 16em; }
#results-table td.col-expected { min-width: 12em; }
#results-table td.col-testId { min-width: 16em; overflow-wrap: anywhere; }
table.lorabench-summary { margin: 0.5em 0 1em; color: black; }
table.lorabench-summary th, table.lorabench-summary td {
  border: 1px solid #e6e6e6; padding: 4px 8px; text-align: right;
}
table.lorabench-summary th:first-child, table.lorabench-summary td:first-child { text-align: left; }
table.lorabench-summary tr.overall td { font-weight: bold; }
"""


class ModelHtmlReport(SelfContainedReport):
    """pytest-html's self-contained report, restricted to one model's items."""

    def __init__(self, model: str, path: Path, config: pytest.Config) -> None:
        import pytest_html

        resources = Path(pytest_html.__file__).parent / "resources"
        css = _process_css(resources / "style.css", []) + EXTRA_CSS
        super().__init__(str(path), config, ReportData(config), _read_template([resources]), css)
        if config.getini("render_collapsed") == PYTEST_HTML_COLLAPSED_DEFAULT:  # a user's own value is kept
            self._report.set_data("renderCollapsed", ["all"])
        self.model = model
        self.written: dict[str, Any] | None = None  # the JSON report, set before the HTML is rendered
        self.rendered: str | None = None

    def _ours(self, report: Any) -> bool:
        return getattr(report, MODEL_ATTRIBUTE, None) == self.model

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        super().pytest_sessionstart(session)
        self._report.title = f"lorabench: {self.model}"

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._report.collected_items = sum(1 for item in session.items if _item_model(item) == self.model)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self._ours(report):
            super().pytest_runtest_logreport(report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Nothing: the record keeper calls `render` and writes the page with the JSON report."""

    def render(self, session: pytest.Session) -> str:
        """The finished page, for the record keeper to write next to its JSON report."""
        if self.written is not None:
            self._report.additional_summary["prefix"].extend(summary_html(self.written))
        super().pytest_sessionfinish(session)
        assert self.rendered is not None
        return self.rendered

    def _write_report(self, rendered_report: str) -> None:
        """pytest-html writes its page at the start and after tests; lorabench writes it once, at the end,
        atomically and only where the JSON report goes (never over a complete report with a worse one)."""
        self.rendered = rendered_report

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The lorabench summary already names the report; pytest-html's own line would repeat it."""


def _item_model(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("bench_model") if callspec else None


def summary_html(written: dict[str, Any]) -> list[str]:
    """The lorabench summary above pytest-html's table: the terminal's numbers, as HTML tables."""
    model = written["model"]
    tools = f" (tools shown via the {model['tools_mode']})" if model.get("tools_mode") else ""
    instructions = "".join(
        f"<li><b>{escape(category)}</b>: {escape(text)}</li>" for category, text in SYSTEM_INSTRUCTIONS.items()
    )
    banner = (
        f"<p style='background:#fde2e1;border:2px solid #c62828;padding:.6em 1em;font-weight:600'>Incomplete run "
        f"({escape(written['incomplete'])}): this report does not replace the last complete one.</p>"
        if written.get("incomplete")
        else ""
    )
    summary = written["summary"]
    return [
        f"{banner}<h2>lorabench: {escape(model['name'] + tools)}</h2>{pass_rate_table(summary)}{judge_table(summary)}",
        f"<h3>System instruction per category (identical for every model)</h3><ul>{instructions}</ul>",
    ]


def _percent(rate: float | None) -> str:
    return f"{100 * rate:.1f}%" if rate is not None else "-"


def _interval(bounds: list[float | None]) -> str:
    low, high = bounds
    return f"{100 * low:.1f}-{100 * high:.1f}%" if low is not None and high is not None else "-"


def _table(css_class: str, header: list[str], rows: list[tuple[str, list[str]]]) -> str:
    """Rows are (row class, cells); every cell is escaped here."""
    head = "".join(f"<th>{escape(label)}</th>" for label in header)
    body = "".join(
        f"<tr class='{row_class}'>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>"
        for row_class, cells in rows
    )
    return f"<table class='{css_class}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def pass_rate_table(summary: dict[str, Any]) -> str:
    """Per category and overall; the rate with errors as failures only when there are errors (as in the terminal)."""
    errors = summary["overall"]["error"] > 0
    header = ["category", "passed", "graded", "pass rate", "95% interval", "skipped", "errors"]
    header += ["pass rate, errors as failures"] if errors else []
    rows = []
    for name, counts in [*summary["by_category"].items(), ("overall", summary["overall"])]:
        cells = [name, str(counts["passed"]), str(counts["graded"]), _percent(counts["pass_rate"])]
        cells += [_interval(counts["pass_rate_ci95"]), str(counts["skipped"]), str(counts["error"])]
        cells += [_percent(counts["pass_rate_errors_as_failures"])] if errors else []
        rows.append(("overall" if name == "overall" else "category", cells))
    note = (
        "<p>pass rate: over graded cases (errors left out); errors as failures: over graded cases and errors</p>"
        if errors
        else ""
    )
    return _table("lorabench-summary pass-rates", header, rows) + note


def judge_table(summary: dict[str, Any]) -> str:
    """Judge scores of the judged categories (none: no table)."""
    rows = []
    for name, counts in summary["by_category"].items():
        judge = counts.get("judge")
        if judge is None:
            continue
        mean = f"{judge['mean_score']:.2f}" if judge["mean_score"] is not None else "-"
        low, high = judge["ci95"]
        interval = f"{low:.2f}-{high:.2f}" if low is not None and high is not None else "-"
        cells = [name, str(judge["judged"]), mean, interval, str(judge["not_judged"]), str(judge["errors"])]
        rows.append(("category", cells))
    if not rows:
        return ""
    header = ["category", "judged", "mean judge score", "95% interval", "not judged", "judge errors"]
    return _table("lorabench-summary judge-scores", header, rows)
