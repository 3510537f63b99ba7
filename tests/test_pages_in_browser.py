"""The reports in a real browser: Debian's chromium, driven by Playwright. A per-model report and the
comparison page render with no console error and no request beyond the file itself, and a model
output holding a script is shown as text and never runs. The per-model report opens with every row
collapsed, the answer and verdict in columns, and a click opens a row's details.

CI installs chromium (.ci/run); elsewhere the test is skipped when chromium is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_script

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
ATTACK = "<script>alert(1)</script>"


def _visit(browser: Any, path: Path) -> tuple[Any, list[str], list[str], list[str]]:
    """The loaded page, its console errors and uncaught exceptions, the URLs it requested, its dialogs."""
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # pytest-html fills its table from script after load
    return page, errors, requests, dialogs


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    """Reports of two scripted models, one of which answers every case with a script tag."""
    import subprocess
    import sys

    from tests.conftest import BENCHMARKS, SMALL_SET, write_cases

    root = tmp_path_factory.mktemp("pages")
    cases = write_cases(root / "cases", SMALL_SET)
    right = write_script(root / "right.json", {"math-001": "Answer: 42", "mcq-001": "Answer: A"})
    hostile = write_script(root / "hostile.json", {}, default=f"{ATTACK} Answer: 7")
    command = [sys.executable, "-m", "pytest", str(BENCHMARKS), f"--cases-dir={cases}", "-p", "no:cacheprovider"]
    command += [f"--cache-dir={root / 'cache'}", f"--reports-dir={root / 'reports'}"]
    command += [f"--model=scripted:{right}", f"--model=scripted:{hostile}", "--baseline=scripted-right", "-q"]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]  # failed cases, not a broken run
    return root / "reports"


@pytest.mark.parametrize("page_name", ["scripted-hostile.html", "index.html"])
def test_the_page_renders_offline_and_shows_model_text_as_text(browser: Any, reports: Path, page_name: str) -> None:
    path = reports / page_name
    page, errors, requests, dialogs = _visit(browser, path)
    assert errors == [], f"{page_name}: console errors {errors}"
    assert requests == [path.as_uri()], f"{page_name}: requested more than itself: {requests}"
    assert dialogs == [], f"{page_name}: the model's script ran"
    if page_name == "index.html":  # flipped cases are folded: open them, as a reader would
        for summary in page.locator("summary").all():
            summary.click()
    shown = page.get_by_text(ATTACK, exact=False)
    assert shown.count() >= 1 and shown.first.is_visible(), f"{page_name}: the model's output is not shown as text"
    assert page.locator("svg").count() >= (2 if page_name == "index.html" else 0)
    page.close()


def test_the_checks_see_a_script_that_runs_a_request_and_an_error(browser: Any, tmp_path: Path) -> None:
    """Without escaping, the same checks fail: a control page with a live script and a remote image."""
    path = tmp_path / "unsafe.html"
    path.write_text(f"<p>{ATTACK}</p><img src='http://192.0.2.1/x.png'><script>undefinedName()</script>")
    page, errors, requests, dialogs = _visit(browser, path)
    assert dialogs == ["1"]
    assert "http://192.0.2.1/x.png" in requests
    assert any("undefinedName" in error for error in errors)
    assert page.get_by_text(ATTACK).count() == 0
    page.close()


def test_a_flipped_case_links_to_its_row_in_the_per_model_report(browser: Any, reports: Path) -> None:
    page, *_ = _visit(browser, reports / "index.html")
    links = [a.get_attribute("href") for a in page.locator("summary a").all()]
    target = next(link for link in links if link.startswith("scripted-hostile.html#"))
    page.close()
    report, *_ = _visit(browser, reports / target.split("#")[0])
    test_id = target.split("#", 1)[1]
    assert report.evaluate("id => document.getElementById(id) !== null", test_id), f"no row with id {test_id}"
    report.close()


def test_the_per_model_report_opens_collapsed_and_a_click_opens_a_row(browser: Any, reports: Path) -> None:
    page, errors, *_ = _visit(browser, reports / "scripted-hostile.html")
    rows = page.locator("#results-table tbody.results-table-row")
    details = page.locator("#results-table tr.extras-row")
    assert rows.count() >= 5 and details.count() == rows.count()
    assert [row.is_visible() for row in details.all()] == [False] * rows.count(), "a row opened expanded"
    failed = page.locator("#results-table tbody.failed").first
    assert ATTACK in failed.locator("td.col-answer").inner_text(), "the answer column shows the model's text"
    assert failed.locator("td.col-reason").inner_text().strip() != ""
    failed.locator("td.col-result").click()
    opened = failed.locator("tr.extras-row")
    assert opened.is_visible() and "Model output" in opened.inner_text()
    assert sum(row.is_visible() for row in details.all()) == 1, "one click opens one row"
    assert errors == []
    page.close()
