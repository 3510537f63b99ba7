"""The plugin's reporting hooks: collect each item's case record (from xdist workers too), write the
JSON reports at the end of the session, print the summaries, the comparison and the comparison page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lorabench.reports.atomic_files import write_text_atomically
from lorabench.reports.html_reports import MODEL_ATTRIBUTE
from lorabench.reports.json_report import summary_lines
from lorabench.run.session import BenchmarkSession

SECTION_ATTRIBUTE = "lorabench_model_section"  # a worker's report carries its model's identity to the controller
MODEL_FAILED = 3  # the exit status of a run in which a model or the judge could not run (after the others ran)


class RecordKeeper:
    """Hooks that need the session: collect case records (also from xdist workers), write reports."""

    def __init__(self, session: BenchmarkSession) -> None:
        self.session = session
        self.written: list[dict[str, Any]] = []  # complete reports, written over the previous ones
        self.incomplete: list[dict[str, Any]] = []  # reports written to reports/incomplete/
        self.index_line: str | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = getattr(report, "lorabench", None)
        model = getattr(report, MODEL_ATTRIBUTE, None)
        if record is None or model is None:
            return
        bench = self.session.bench(model)
        bench.records[report.nodeid] = record
        section = getattr(report, SECTION_ATTRIBUTE, None)
        if section is not None and (bench.remote_section is None or "identity" in section):
            bench.remote_section = section

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Each model's JSON and HTML report, then index.html: all three from this run, each replaced in one
        step. An incomplete report (interrupted, or its model failed) goes to reports/incomplete/ and
        leaves the previous three untouched."""
        if not hasattr(session.config, "workerinput"):
            reports = self.session.write_reports(int(exitstatus))
            for report in reports:
                self._write_html(session, report)
            self.written = [report for report in reports if not report.get("incomplete")]
            self.incomplete = [report for report in reports if report.get("incomplete")]
            if self.written:
                directory = self.session.bench(self.written[0]["model"]["name"]).report_path.parent
                self.index_line = comparison_page_line(directory, session.config.getoption("baseline"))
            failed = any(report["model"].get("failure") or report["model"].get("judge_failure") for report in reports)
            if failed and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
                session.exitstatus = MODEL_FAILED
        self.session.close()

    def _write_html(self, session: pytest.Session, report: dict[str, Any]) -> None:
        name = report["model"]["name"]
        html = session.config.pluginmanager.get_plugin(f"lorabench-html-{name}")
        if html is None:
            return
        html.written = report
        try:
            write_text_atomically(self.session.bench(name).target(report, ".html"), html.render(session))
        except (OSError, ValueError) as exc:
            self.session.settings.notices.say(f"model {name}: HTML report not written: {exc}")

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int) -> None:
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            terminalreporter.write_line(
                "lorabench: interrupted: the reports of models that had not finished were left as they were; "
                "the answers finished so far are cached, run again to resume",
                yellow=True,
            )
        for written in self.written + self.incomplete:
            model = written["model"]
            bench = self.session.bench(model["name"])
            terminalreporter.write_sep("=", f"lorabench summary: {model['name']}")
            for line in summary_lines(model["name"], written["summary"], model.get("tools_mode")):
                terminalreporter.write_line(line)
            if written.get("incomplete"):
                kept = "kept as it was" if bench.report_path.exists() else "none yet"
                why = written["incomplete"].split(":")[0]
                terminalreporter.write_line(
                    f"lorabench: incomplete run ({why}); the previous {bench.report_path.name} "
                    f"and its HTML: {kept}; answers so far are cached, run again to finish",
                    yellow=True,
                )
            terminalreporter.write_line(f"JSON report: {bench.target(written, '.json')}")
            if terminalreporter.config.pluginmanager.get_plugin(f"lorabench-html-{model['name']}") is not None:
                terminalreporter.write_line(f"HTML report: {bench.target(written, '.html')}")
        baseline = terminalreporter.config.getoption("baseline")
        if len(self.written) > 1:
            from lorabench.reports.compare_text import text_lines

            terminalreporter.write_sep("=", "lorabench comparison")
            try:
                lines = text_lines(self.written, baseline)
            except ValueError as exc:  # --baseline names a model this run did not report
                lines = [f"comparison not printed: {exc}"]
            for line in lines:
                terminalreporter.write_line(line)
        if self.index_line:
            terminalreporter.write_line(self.index_line)


def comparison_page_line(directory: Path, baseline: str | None) -> str:
    """Write index.html over every JSON report in `directory`; the line that says where (or why not)."""
    from lorabench.reports.compare_page import write_index

    try:
        return f"comparison page: {write_index(directory, baseline)}"
    except ValueError as exc:
        return f"comparison page not written: {exc}"
