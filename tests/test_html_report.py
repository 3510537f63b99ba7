"""The per-model HTML report (`reports/<model>.html`), parsed: rows collapsed, the answer and verdict columns,
the summary tables, and hostile model and case text shown as text, never as markup."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from lorabench.reports.html_columns import ANSWER_PREVIEW_CHARS, answer_preview
from lorabench.reports.html_reports import summary_html
from tests.conftest import SMALL_SET, write_cases, write_script

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

SCRIPT_ATTACK = "<script>alert(1)</script>"
IMG_ATTACK = '"><img src=x onerror=alert(1)>'
# Whitespace runs to collapse, and a tag just before the cut: cutting after escaping would split its entity.
LONG_ANSWER = "First,\n\n  6   times\t7 is " + "forty-two, " * 8 + "so it is: <b>42</b>.\nAnswer: 42"
OUTPUTS = {
    "math-001": LONG_ANSWER,
    "math-002": "Answer: 20",
    "mcq-001": f"{SCRIPT_ATTACK} Answer: A",
    "fc-001": '[{"name": "get_weather", "arguments": {"city": "Oslo"}}]',
    "sit-001": f"{IMG_ATTACK} Answer: the cinema",
}


class Markup(HTMLParser):
    """The tags of a piece of HTML, the text of each table cell (by class, or per row), and an attribute's value."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attribute_names: set[str] = set()  # of every element
        self.cells: dict[str, str] = {}  # td class -> text (one pytest-html row)
        self.tables: dict[str, list[list[str]]] = {}  # table class -> rows of cell texts
        self.attributes: dict[str, dict[str, str | None]] = {}  # element id -> attributes
        self.script_text = ""
        self._cell: str | None = None
        self._table: str | None = None
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        named = dict(attrs)
        self.attribute_names |= set(named)
        if named.get("id"):
            self.attributes[str(named["id"])] = named
        if tag == "table":
            self._table = str(named.get("class"))
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = str(named.get("class"))
            self.cells[self._cell] = ""
            if self._table:
                self.tables[self._table][-1].append("")
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._cell = None
        elif tag == "table":
            self._table = None
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text += data
        if self._cell is not None:
            self.cells[self._cell] += data
            if self._table:
                self.tables[self._table][-1][-1] += data


def _hostile_cases(directory: Path) -> Path:
    """SMALL_SET with markup in an mcq option and in a situational accepted answer (the Expected column)."""
    cases = copy.deepcopy(SMALL_SET)
    by_id = {case["id"]: case for case in cases}
    by_id["mcq-001"]["options"]["A"] = SCRIPT_ATTACK
    by_id["sit-001"]["accepted"].append(IMG_ATTACK)
    return write_cases(directory, cases)


def _run(pytester: pytest.Pytester, tmp_path: Path, *extra: str) -> tuple[str, dict[str, Any]]:
    from tests.conftest import BENCHMARKS

    cases = _hostile_cases(tmp_path / "hostile-cases")
    script = write_script(tmp_path / "demo.json", OUTPUTS)
    args = [str(BENCHMARKS), f"--cases-dir={cases}", f"--cache-dir={tmp_path / 'cache'}", "-p", "no:cacheprovider"]
    result = pytester.runpytest(*args, f"--reports-dir={tmp_path / 'reports'}", f"--model=scripted:{script}", *extra)
    result.assert_outcomes(passed=4, failed=1, skipped=2)
    page = (tmp_path / "reports" / "scripted-demo.html").read_text(encoding="utf-8")
    return page, json.loads((tmp_path / "reports" / "scripted-demo.json").read_text(encoding="utf-8"))


def page_data(page: Markup) -> dict[str, Any]:
    """pytest-html's data: rows and settings as JSON in an attribute, filled into the table by its script."""
    return json.loads(str(page.attributes["data-container"]["data-jsonblob"]))


def rows_by_case(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Case id -> the test's data, with `cells` (column class -> text) and `cell_tags` (tags inside cells)."""
    rows = {}
    for (test,) in data["tests"].values():
        row = Markup("<table><tr>" + "".join(test["resultsTableRow"]) + "</tr></table>")
        rows[row.cells["col-case"]] = {**test, "cells": row.cells, "cell_tags": set(row.tags) - {"table", "tr", "td"}}
    return rows


def test_the_answer_preview_is_one_line_cut_with_an_ellipsis() -> None:
    assert answer_preview(None) == answer_preview("") == ""
    assert answer_preview("  Answer:\n\n\t42  ") == "Answer: 42"
    exact = "a" * ANSWER_PREVIEW_CHARS
    assert answer_preview(exact) == exact, "a text that fits is not cut"
    assert answer_preview(exact + "b") == exact + "…"
    assert answer_preview("x " * 100) == "x " * 59 + "x…", "cut at 120 characters, trailing space dropped"


def test_rows_are_collapsed_and_show_the_answer_and_the_verdict_reason(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    html, report = _run(pytester, tmp_path)
    page = Markup(html)
    data = page_data(page)
    assert data["renderCollapsed"] == ["all"], "every row opens collapsed, failed ones too"
    rows = rows_by_case(data)
    assert set(rows) == {case["id"] for case in report["cases"]}
    for case in report["cases"]:
        row = rows[case["id"]]
        assert row["cell_tags"] == set(), f"{case['id']}: markup inside a cell: {row['cell_tags']}"
        assert row["cells"]["col-reason"] == (case["reason"] or "")
        assert row["cells"]["col-expected"] == case["expected"]
        assert row["cells"]["col-category"] == case["category"]
    collapsed = " ".join(LONG_ANSWER.split())
    assert collapsed.index("<b>") == ANSWER_PREVIEW_CHARS - 2, "the cut falls inside a tag"
    assert rows["math-001"]["cells"]["col-answer"] == collapsed[:ANSWER_PREVIEW_CHARS] + "…"
    assert rows["mcq-001"]["cells"]["col-answer"] == f"{SCRIPT_ATTACK} Answer: A"
    assert rows["mcq-001"]["cells"]["col-expected"] == f"A) {SCRIPT_ATTACK}"
    assert rows["sit-001"]["cells"]["col-answer"] == f"{IMG_ATTACK} Answer: the cinema"
    assert IMG_ATTACK in rows["sit-001"]["cells"]["col-expected"]
    assert rows["math-002"]["cells"]["col-reason"] == rows["math-002"]["cells"]["col-reason"].strip() != ""
    for case_id, row in rows.items():  # the details (log, prompt, output) are inserted as HTML too
        details = Markup(row["log"] or "")
        assert {"script", "img"} & set(details.tags) == set(), f"{case_id}: markup in the details"
    assert IMG_ATTACK in _text(rows["sit-001"]["log"]), "the output is shown as text in the details"
    assert "onerror" not in page.attribute_names and "alert(1)" not in page.script_text


def _text(html: str) -> str:
    """The text a browser shows for a piece of HTML."""
    texts: list[str] = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = texts.append  # type: ignore[method-assign]
    parser.feed(html)
    parser.close()
    return "".join(texts)


def _expected_pass_rate_rows(summary: dict[str, Any]) -> list[list[str]]:
    def percent(rate: float | None) -> str:
        return "-" if rate is None else f"{100 * rate:.1f}%"

    rows = [["category", "passed", "graded", "pass rate", "95% interval", "skipped", "errors"]]
    for name, counts in [*summary["by_category"].items(), ("overall", summary["overall"])]:
        low, high = counts["pass_rate_ci95"]
        interval = "-" if low is None else f"{100 * low:.1f}-{100 * high:.1f}%"
        rows.append([name, str(counts["passed"]), str(counts["graded"]), percent(counts["pass_rate"]), interval])
        rows[-1] += [str(counts["skipped"]), str(counts["error"])]
    return rows


def test_the_summary_tables_hold_the_json_reports_numbers(pytester: pytest.Pytester, tmp_path: Path) -> None:
    html, report = _run(pytester, tmp_path)
    tables = Markup(html).tables
    assert tables["lorabench-summary pass-rates"] == _expected_pass_rate_rows(report["summary"])
    assert tables["lorabench-summary pass-rates"][-1][:4] == ["overall", "4", "5", "80.0%"]
    judge_rows = tables["lorabench-summary judge-scores"]
    assert judge_rows[1] == ["judge_finetome", "0", "-", "-", "1", "0"], "one case, not judged (no --judge)"


def test_a_users_own_render_collapsed_setting_is_kept(pytester: pytest.Pytester, tmp_path: Path) -> None:
    html, _ = _run(pytester, tmp_path, "-o", "render_collapsed=failed")
    assert page_data(Markup(html))["renderCollapsed"] == ["failed"]


def test_the_summary_escapes_names_reasons_and_shows_errors_as_failures() -> None:
    counts = {"passed": 1, "failed": 1, "skipped": 0, "error": 2, "graded": 2, "total": 4, "pass_rate": 0.5}
    counts |= {"pass_rate_ci95": [0.0946, 0.9054], "pass_rate_errors_as_failures": 0.25}
    counts |= {"pass_rate_errors_as_failures_ci95": [0.0456, 0.6994]}
    written = {
        "model": {"name": SCRIPT_ATTACK, "tools_mode": IMG_ATTACK},
        "summary": {"by_category": {"math": counts, IMG_ATTACK: counts}, "overall": counts},  # any cell text
        "incomplete": f"interrupted: {IMG_ATTACK}",
    }
    page = Markup("".join(summary_html(written)))
    assert {"script", "img"} & set(page.tags) == set() and "onerror" not in page.attribute_names
    shown = _text("".join(summary_html(written)))
    assert SCRIPT_ATTACK in shown and f"interrupted: {IMG_ATTACK}" in shown and IMG_ATTACK in shown
    rates = page.tables["lorabench-summary pass-rates"]
    assert rates[0][-1] == "pass rate, errors as failures"
    assert rates[1] == ["math", "1", "2", "50.0%", "9.5-90.5%", "0", "2", "25.0%"]
    assert rates[2][0] == IMG_ATTACK
    assert "lorabench-summary judge-scores" not in page.tables, "no judged category, no judge table"


def test_the_judge_table_shows_each_judged_categorys_mean_score_and_interval() -> None:
    counts = {"passed": 1, "failed": 1, "skipped": 1, "error": 1, "graded": 2, "total": 4, "pass_rate": 0.5}
    counts |= {"pass_rate_ci95": [0.0946, 0.9054], "pass_rate_errors_as_failures": 1 / 3}
    counts |= {"pass_rate_errors_as_failures_ci95": [0.0615, 0.7923]}
    judged = {**counts, "judge": {"judged": 2, "not_judged": 1, "errors": 1, "mean_score": 3.5, "ci95": [3.0, 4.0]}}
    nothing = {"judged": 0, "not_judged": 4, "errors": 0, "mean_score": None, "ci95": [None, None]}
    unjudged = {**counts, "judge": nothing}
    summary = {"by_category": {"math": counts, "judge_finetome": judged, "judge_finance": unjudged}, "overall": counts}
    page = Markup("".join(summary_html({"model": {"name": "m"}, "summary": summary})))
    assert page.tables["lorabench-summary judge-scores"] == [
        ["category", "judged", "mean judge score", "95% interval", "not judged", "judge errors"],
        ["judge_finetome", "2", "3.50", "3.00-4.00", "1", "1"],
        ["judge_finance", "0", "-", "-", "4", "0"],
    ]
