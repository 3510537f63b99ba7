"""The comparison page (reports/index.html): what it shows, what it escapes, and that runs write it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lorabench.reports.compare import main
from lorabench.reports.compare_page import page_html, write_index
from lorabench.reports.compare_text import markdown_lines
from tests.conftest import write_script
from tests.test_compare import BASE, TUNED, _report

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
ATTACK = "<script>alert(1)</script>"


def _pair(outputs: str = "{name} says {id}") -> list[dict]:
    base, tuned = _report("base", BASE, outputs=outputs), _report("tuned", TUNED, adapter=True, outputs=outputs)
    for report in (base, tuned):
        for case in report["cases"]:
            case |= {"reason": f"reason of {case['id']}", "test_id": f"benchmarks/test_x.py::t[{case['id']}]"}
    return [base, tuned]


def test_the_page_shows_intervals_paired_tests_and_flipped_cases_with_links() -> None:
    html = page_html(_pair(), {"base": "base.html", "tuned": "tuned.html"})
    # base passes 1 of the 4 shared math cases: Wilson 95% interval 4.6%-69.9%
    assert re.search(r"25% <span class='interval'>\[5–70\]</span> <small>1/4</small>", html)
    # tuned gains math-1, math-2, math-4 and loses math-3: exact McNemar p = 0.625
    assert "<td class='num'>+3</td><td class='num'>−1</td><td class='num'>0.625</td>" in html
    assert "math: failed → passed" in html and "math: passed → failed" in html
    assert "href='tuned.html#benchmarks/test_x.py::t[math-1]'" in html
    assert "tuned says math-1" in html and "reason of math-3" in html
    assert html.count("<svg") == 2, "bars with error bars, and the heat map"
    assert "<script" not in html and not re.search(r"src=|url\((?!#)|@import|<link", html), "nothing to load"


def test_model_text_is_escaped_everywhere_on_the_page() -> None:
    reports = _pair(outputs=ATTACK + " {id}")
    reports[1]["model"]["name"] = "tuned<img src=x onerror=alert(2)>"
    html = page_html(reports, {})
    assert ATTACK not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html


def test_identical_outputs_and_different_case_files_are_called_out() -> None:
    base, tuned = _pair(outputs="same for {id}")
    tuned["case_files_sha256"] = {"math.jsonl": "2"}
    base["generation"] = {"max_new_tokens": {"math": 320}, "cache": True}
    tuned["generation"] = {"max_new_tokens": {"math": 256}, "cache": False}
    html = page_html([base, tuned], {})
    assert "the reports differ in generation" in html
    assert "class='warning'>100% of outputs are byte-identical to base" in html
    assert "the reports differ in case_files_sha256" in html


def test_the_page_warns_from_half_identical_outputs_and_shows_errors_and_detectable_differences() -> None:
    base, tuned = _pair()
    for index, (first, second) in enumerate(zip(base["cases"][:4], tuned["cases"][:4], strict=True)):
        second["output"] = first["output"] if index < 3 else second["output"]  # 3 of the 4 shared math cases
    tuned["cases"][4]["outcome"] = "error"  # mcq-1: left out of the shared cases
    html = page_html([base, tuned], {})
    assert "<p class='caution'>75% of outputs are byte-identical to base&#x27;s: little effect, or not applied" in html
    assert "<p class='note'>mcq: error counts differ (base 0, tuned 1)" in html
    assert "<small>3/4</small> <small class='interval'>+1 errors left out</small></td>" in html, "tuned, overall"
    assert "<td class='warning'>ERRORS DIFFER (base 0, tuned 1; left out above); errors as failures on 1" in html
    assert "<th>smallest detectable difference</th>" in html and "none (too few cases)" in html
    assert "Connor 1987" in html


def test_markdown_for_the_job_summary() -> None:
    lines = markdown_lines(_pair())
    assert "| model | math | mcq | overall |" in lines
    assert "| base | 25% [5–70] | 100% [21–100] | 40% [12–77] |" in lines
    assert "| math | +3 | −1 | 0.625 | none (too few cases) |  |" in lines


def test_the_command_writes_the_page_beside_the_reports(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    paths = []
    for report in _pair():
        path = tmp_path / f"{report['model']['name']}.json"
        path.write_text(json.dumps(report), encoding="utf-8")
        paths.append(path)
    (tmp_path / "tuned.html").write_text("<html></html>", encoding="utf-8")
    assert main([str(p) for p in paths]) == 0
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<a href='tuned.html'>tuned</a>" in page and "href='base.html'" not in page, "links only to pages that exist"
    assert "comparison page:" in capsys.readouterr().err
    assert write_index(tmp_path / "nothing-here") is None


def test_a_foreign_json_file_is_named_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match=r"notes.json: not a lorabench report"):
        write_index(tmp_path)


def test_a_run_writes_the_page_for_every_report(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str]
) -> None:
    right = write_script(tmp_path / "right.json", {"math-001": "Answer: 42", "mcq-001": "Answer: A"})
    wrong = write_script(tmp_path / "wrong.json", {}, default=ATTACK)
    result = pytester.runpytest(*bench_args, f"--model=scripted:{right}", f"--model=scripted:{wrong}")
    result.stdout.fnmatch_lines([f"comparison page: {tmp_path / 'reports' / 'index.html'}"])
    page = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "<a href='scripted-right.html'>scripted-right</a>" in page
    assert "2 models compared" in page and ATTACK not in page
    record = json.loads((tmp_path / "reports" / "scripted-right.json").read_text(encoding="utf-8"))["cases"][0]
    assert record["test_id"].endswith(f"[scripted-right-{record['id']}]")
