"""Report building blocks: expected-answer text, per-category summary, the terminal table."""

from __future__ import annotations

import pytest

from lorabench.reports.json_report import expected_text, summarize, summary_lines
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


def test_the_judge_score_interval_in_the_report_is_at_95_percent() -> None:
    """400 judged answers, half scored 1 and half 5: the mean is 1 + 4 * Binomial(400, 1/2) / 400 under
    resampling, so its 95% percentile interval is [2.8, 3.2] (the construction and its source are in
    tests/test_statistics.py); a 90% one would be [2.84, 3.16]."""
    records = [
        {"category": "judge_finance", "outcome": "passed" if score == 5 else "failed", "judge": {"score": score}}
        for score in [1, 5] * 200
    ]
    judge = summarize(records)["by_category"]["judge_finance"]["judge"]
    assert judge["judged"] == 400 and judge["mean_score"] == 3.0
    assert judge["ci95"] == pytest.approx([2.8, 3.2], abs=0.02)
    lines = summary_lines("tiny", summarize(records), None)
    assert lines[-1].startswith("  judge_finance: mean judge score 3.00 (95% CI ")


def test_judge_means_are_rounded_to_three_decimals_in_the_report() -> None:
    records = [{"category": "judge_finetome", "outcome": "passed", "judge": {"score": s}} for s in (5, 2, 4)]
    judge = summarize(records)["by_category"]["judge_finetome"]["judge"]
    assert judge["mean_score"] == 3.667 and all(round(bound, 3) == bound for bound in judge["ci95"])


def test_expected_text_of_several_calls_and_of_keywords() -> None:
    """The report's "expected" column for parallel calls and for a situational case with both rules."""
    calls = [
        {"name": "get_weather", "arguments": {"city": ["Oslo"]}},
        {"name": "get_time", "arguments": {"timezone": ["CET"]}},
    ]
    parallel = {"category": "function_calling", "expected_calls": calls}
    assert expected_text(parallel) == "get_weather(city∈['Oslo']); get_time(timezone∈['CET'])"
    both = {"category": "situational", "accepted": ["cinema"], "required_keywords": ["film", "ticket"]}
    assert expected_text(both) == "one of: cinema or all of: film, ticket"
    assert expected_text({"category": "situational", "required_keywords": ["umbrella"]}) == "all of: umbrella"


def test_the_terminal_table_a_user_reads() -> None:
    records = [{"category": "math", "outcome": o} for o in ("passed", "passed", "failed", "skipped", "error")]
    records += [
        {"category": "judge_finance", "outcome": "passed", "judge": {"score": 5}},
        {"category": "judge_finance", "outcome": "failed", "judge": {"score": 2}},
        {"category": "judge_finance", "outcome": "skipped"},
    ]
    assert summary_lines("tiny", summarize(records), None) == [
        "lorabench: tiny",
        "  category            passed  graded    rate  skipped  errors  rate, errors as failures",
        "  math                     2       3   66.7%        1       1                     50.0%",
        "  judge_finance            1       2   50.0%        1       0                     50.0%",
        "  overall                  3       5   60.0%        2       1                     50.0%",
        "  rate: over graded cases (errors left out); errors as failures: over graded cases and errors",
        "  judge_finance: mean judge score 3.50 (95% CI 2.00-5.00) over 2 judged; 1 not judged, 0 judge errors",
    ]


def test_every_judged_category_gets_its_line_with_the_judge_errors_counted() -> None:
    """A category nobody judged does not hide the next one's line; a judge error is neither a score nor
    'not judged'."""
    scored = [{**_record("judge_finance", "passed"), "judge": {"score": score}} for score in (4, 5)]
    records = [
        _record("judge_finetome", "skipped"),
        *scored,
        _record("judge_finance", "error"),
        _record("judge_finance", "skipped"),
    ]
    lines = summary_lines("tiny", summarize(records), None)
    assert lines[-2:] == [
        "  judge_finetome: not judged (1 cases)",
        "  judge_finance: mean judge score 4.50 (95% CI 4.00-5.00) over 2 judged; 1 not judged, 1 judge errors",
    ]
    clean = summary_lines("tiny", summarize([_record("math", "passed")]), None)
    assert clean[1] == "  category            passed  graded    rate  skipped  errors"


def test_the_expected_judge_score_is_the_case_threshold_or_4() -> None:
    judge = SMALL_SET[-1]
    assert expected_text({**judge, "threshold": 3}) == "judge score ≥ 3"
    assert expected_text({k: v for k, v in judge.items() if k != "threshold"}) == "judge score ≥ 4"
