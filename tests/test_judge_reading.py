"""The judge's prompt and the reading of its replies: pure functions, no model."""

from __future__ import annotations

import pytest

from benchmarks.graders.judge_verdict import judged_verdict, read_judge_reply
from benchmarks.judge_prompt import JUDGE_SYSTEM, NUDGE, judge_messages, judge_user_prompt
from tests.conftest import SMALL_SET

CASE = next(case for case in SMALL_SET if case["category"] == "judge_finetome")


@pytest.mark.parametrize(
    ("reply", "score", "rule"),
    [
        ("Feedback: clear and correct. [RESULT] 4", 4, "[RESULT]"),
        ("Feedback: ok [RESULT]: 3", 3, "[RESULT]"),
        ("Feedback: ok [RESULT] (5)", 5, "[RESULT]"),
        ("Feedback: ok\n**[RESULT] 2**", 2, "[RESULT]"),
        ("Feedback: ok [RESULT] 4/5", 4, "[RESULT]"),
        ("Feedback: ok [RESULT] 4\nI hope this helps, let me know!", 4, "[RESULT]"),
        ("First [RESULT] 2 ... on reflection the rubric says [RESULT] 3", 3, "[RESULT]"),
        ("The answer misses the base case.\nScore: 2", 2, "Score:"),
        # A "Score:" in the reasoning does not outrank the closing tag, wherever it stands.
        ("Score: 2 at first sight, but the base case is there. [RESULT] 4", 4, "[RESULT]"),
        ("Final score is 5 out of 5.", 5, "Score:"),
    ],
)
def test_reads_the_score(reply: str, score: int, rule: str) -> None:
    reading = read_judge_reply(reply)
    assert (reading.score, reading.rule) == (score, rule)


@pytest.mark.parametrize(
    "reply",
    [
        "Score 1: the response is wrong.\nScore 2: partly right.",  # the rubric echoed back
        'End with "[RESULT] (a whole number from 1 to 5)"',  # the format instruction echoed back
        "Feedback: ok [RESULT] 7",
        "Feedback: ok [RESULT] 4.5",
        "Feedback: a good answer, I would rate it highly.",
        "",
    ],
)
def test_no_score_is_read_from_text_that_gives_none(reply: str) -> None:
    assert read_judge_reply(reply).score is None


def test_feedback_is_the_text_before_the_score() -> None:
    reading = read_judge_reply("Feedback: explains recursion with a base case. [RESULT] 5")
    assert reading.feedback == "explains recursion with a base case."


def test_verdict_passes_at_the_threshold() -> None:
    assert judged_verdict(4, 4, "fine").passed and not judged_verdict(3, 4, "thin").passed
    assert judged_verdict(3, 4, "thin").reason == "judge score 3 is below the threshold 4: thin"
    assert judged_verdict(5, 4, "x" * 500).reason.endswith("…")


def test_prompt_follows_the_absolute_grading_structure() -> None:
    prompt = judge_user_prompt(CASE, "A function calling itself.")
    headers = [
        "###Task Description:",
        "###The instruction to evaluate:",
        "###Response to evaluate:",
        "###Reference Answer (Score 5):",
        "###Score Rubrics:",
        "###Feedback:",
    ]
    positions = [prompt.index(header) for header in headers]
    assert positions == sorted(positions)
    assert CASE["prompt"] in prompt and CASE["reference_answer"] in prompt and "A function calling itself." in prompt
    assert f"[{CASE['rubric']['criteria']}]" in prompt
    assert all(f"Score {level}: level {level}" in prompt for level in range(1, 6))
    assert "(empty response)" in judge_user_prompt(CASE, "  ")


def test_retry_conversation_shows_the_unreadable_reply_and_a_nudge() -> None:
    messages = judge_messages(CASE, "answer", ["I think it is fine."])
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[0]["content"].startswith(JUDGE_SYSTEM) and "###Task Description:" in messages[0]["content"]
    assert messages[1]["content"] == "I think it is fine." and messages[2]["content"] == NUDGE


def test_a_reply_without_a_score_keeps_its_whole_text_as_feedback() -> None:
    reading = read_judge_reply("  I would rather not grade this.  ")
    assert (reading.score, reading.feedback, reading.rule) == (None, "I would rather not grade this.", "none")


def test_the_verdict_reason_quotes_the_feedback_up_to_240_characters() -> None:
    """The report's reason line: the score against the case's threshold, then the judge's feedback, cut with an
    ellipsis past 240 characters; the extracted value is the score."""
    exact = judged_verdict(4, 4, "x" * 240)
    assert (
        exact.passed and exact.reason == "judge score 4 reaches the threshold 4: " + "x" * 240 and exact.extracted == 4
    )
    cut = judged_verdict(3, 4, "y" * 241)
    assert not cut.passed and cut.reason == "judge score 3 is below the threshold 4: " + "y" * 240 + "…"
    assert cut.extracted == 3
