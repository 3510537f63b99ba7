"""Report building blocks: expected-answer text, per-category summary, the terminal table."""

from __future__ import annotations

from fixtures.report import expected_text, summarize, summary_lines
from tests.conftest import SMALL_SET


def _record(category: str, outcome: str) -> dict:
    return {"category": category, "outcome": outcome}


def test_summary_counts_and_rates_exclude_skips_and_errors() -> None:
    records = [
        _record("math", "passed"),
        _record("math", "failed"),
        _record("math", "error"),
        _record("judge_finance", "skipped"),
    ]
    summary = summarize(records)
    math = summary["by_category"]["math"]
    assert (math["passed"], math["graded"], math["error"], math["total"]) == (1, 2, 1, 3)
    assert math["pass_rate"] == 0.5, "an error is neither a pass nor a fail of the model"
    assert math["pass_rate_ci95"] == [0.0945, 0.9055], "Wilson 95% interval of 1/2"
    assert summary["by_category"]["judge_finance"]["pass_rate_ci95"] == [None, None]
    assert summary["by_category"]["judge_finance"]["pass_rate"] is None
    assert summary["overall"]["total"] == 4 and summary["overall"]["skipped"] == 1


def test_summary_lines_show_rates_and_skips() -> None:
    summary = summarize([_record("math", "passed"), _record("math", "failed"), _record("judge_finance", "skipped")])
    lines = summary_lines("tiny", summary, "system-prompt")
    assert lines[0] == "lorabench: tiny (tools shown via the system-prompt)"
    math_row = next(line for line in lines if line.strip().startswith("math"))
    assert math_row.split() == ["math", "1", "2", "50.0%", "0", "0"]
    judge_row = next(line for line in lines if "judge_finance" in line)
    assert judge_row.split() == ["judge_finance", "0", "0", "-", "1", "0"]
    assert lines[-1] == "  judge_finance: not judged (1 cases)"


def test_expected_text_per_category() -> None:
    math, _, mcq, fc, situational, judge = SMALL_SET
    assert expected_text(math) == "42"
    assert expected_text({**math, "tolerance": 0.5}) == "42 ± 0.5"
    assert expected_text(mcq) == "A) Rome"
    assert expected_text(fc) == "get_weather(city∈['Oslo'], unit∈[None, 'celsius'])"
    assert expected_text({**fc, "expected_calls": []}) == "no tool call"
    assert expected_text(situational) == "one of: cinema | movie theater"
    assert expected_text(judge) == "judge score ≥ 4"


def test_summary_counts_errors_as_failures_beside_the_graded_rate() -> None:
    records = [_record("math", "passed"), _record("math", "error"), _record("math", "error"), _record("mcq", "passed")]
    summary = summarize(records)
    math, overall = summary["by_category"]["math"], summary["overall"]
    assert math["pass_rate"] == 1.0 and math["pass_rate_errors_as_failures"] == 1 / 3
    assert math["pass_rate_errors_as_failures_ci95"] == [0.0615, 0.7923], "Wilson 95% interval of 1/3"
    assert overall["pass_rate"] == 1.0 and overall["pass_rate_errors_as_failures"] == 0.5
    assert summary["by_category"]["mcq"]["pass_rate_errors_as_failures"] == 1.0


def test_summary_lines_show_the_rate_with_errors_as_failures_only_when_there_are_errors() -> None:
    with_errors = summary_lines("tiny", summarize([_record("math", "passed"), _record("math", "error")]), None)
    assert "errors as failures" in with_errors[1]
    math_row = next(line for line in with_errors if line.strip().startswith("math"))
    assert math_row.split() == ["math", "1", "1", "100.0%", "0", "1", "50.0%"]
    clean = summary_lines("tiny", summarize([_record("math", "passed")]), None)
    assert not any("errors as failures" in line for line in clean)
