"""One self-contained pytest-html report per model (`reports/<model>.html`), from one pytest run.

pytest-html writes one file per session; a run over several models registers one report object per
model, each of which only takes in its own model's test reports. Built on pytest-html's report
class (pinned major version in requirements.txt); the columns and escaping are in `html_columns`.
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
from lorabench.reports.json_report import summary_lines

MODEL_ATTRIBUTE = "lorabench_model"  # set on every test report of a benchmark item


class ModelHtmlReport(SelfContainedReport):
    """pytest-html's self-contained report, restricted to one model's items."""

    def __init__(self, model: str, path: Path, config: pytest.Config) -> None:
        import pytest_html

        resources = Path(pytest_html.__file__).parent / "resources"
        css = _process_css(resources / "style.css", [])
        super().__init__(str(path), config, ReportData(config), _read_template([resources]), css)
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
    model = written["model"]
    table = "\n".join(summary_lines(model["name"], written["summary"], model.get("tools_mode")))
    instructions = "".join(
        f"<li><b>{escape(category)}</b>: {escape(text)}</li>" for category, text in SYSTEM_INSTRUCTIONS.items()
    )
    banner = (
        f"<p style='background:#fde2e1;border:2px solid #c62828;padding:.6em 1em;font-weight:600'>Incomplete run "
        f"({escape(written['incomplete'])}): this report does not replace the last complete one.</p>"
        if written.get("incomplete")
        else ""
    )
    return [
        f"{banner}<h2>lorabench: {escape(model['name'])}</h2><pre>{escape(table)}</pre>",
        f"<h3>System instruction per category (identical for every model)</h3><ul>{instructions}</ul>",
    ]
