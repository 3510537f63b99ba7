"""The absolute-grading prompt sent to the judge for one open answer, written for this project.

It follows the input structure Prometheus 2 was trained on (task description, the instruction, the
response, a reference answer worth 5, the score rubric, then "Feedback:"), keeping its section headers
so a Prometheus judge recognises the task, and asks for the feedback to end with "[RESULT] " and a
score from 1 to 5. The same words go to every judge; the report records their hash.
"""

from __future__ import annotations

import hashlib
from typing import Any

from lorabench.run.prompting import Message, case_messages

JUDGE_SYSTEM = (
    "You grade answers strictly against the rubric you are given. You judge only what the response "
    "says, not how long it is, and you give the same score to the same answer every time."
)

TASK = "\n".join(
    [
        "###Task Description:",
        "You are given an instruction (it may contain an input), a response to it, a reference answer that "
        "would earn the top score of 5, and a rubric describing what each score from 1 to 5 means.",
        "1. Write feedback that judges the response against the rubric only, not against your own idea of a "
        "good answer.",
        "2. Then choose the score, a whole number from 1 to 5, that the rubric gives this response.",
        '3. Write it in exactly this shape: "Feedback: (your feedback on the criterion) [RESULT] (a whole '
        'number from 1 to 5)"',
        "4. Write nothing before the feedback and nothing after the score.",
    ]
)

SECTIONS = """###The instruction to evaluate:
{instruction}

###Response to evaluate:
{response}

###Reference Answer (Score 5):
{reference}

###Score Rubrics:
[{criteria}]
{levels}

###Feedback: """

# Sent after an answer in which no score could be read; bounded by the judge's retry count.
NUDGE = 'Your reply did not end with a score. Reply again, ending with "[RESULT] " and a whole number from 1 to 5.'


def instruction_text(case: dict[str, Any]) -> str:
    """What the model was asked, as the judge should read it (a conversation becomes its user turns)."""
    turns = [message["content"] for message in case_messages(case) if message["role"] == "user"]
    return "\n\n".join(turns)


def rubric_levels(case: dict[str, Any]) -> str:
    scores = case["rubric"]["scores"]
    return "\n".join(f"Score {level}: {scores[str(level)]}" for level in range(1, 6))


def judge_user_prompt(case: dict[str, Any], response: str) -> str:
    body = SECTIONS.format(
        instruction=instruction_text(case),
        response=response.strip() or "(empty response)",
        reference=case["reference_answer"],
        criteria=case["rubric"]["criteria"],
        levels=rubric_levels(case),
    )
    return f"{TASK}\n\n{body}"


def judge_messages(case: dict[str, Any], response: str, failed_replies: list[str] | None = None) -> list[Message]:
    """The judge's conversation; after unreadable replies, those replies and a nudge follow. The judge's
    role opens the user turn rather than a system turn: Mistral-based judges such as Prometheus 2 have
    templates that reject a system role, and every template and server accepts a user turn."""
    messages: list[Message] = [{"role": "user", "content": f"{JUDGE_SYSTEM}\n\n{judge_user_prompt(case, response)}"}]
    for reply in failed_replies or []:
        messages += [{"role": "assistant", "content": reply}, {"role": "user", "content": NUDGE}]
    return messages


def prompt_template_sha256() -> str:
    """Identifies these words in reports and in the judge cache, so a changed prompt re-judges."""
    return hashlib.sha256("\n".join((JUDGE_SYSTEM, TASK, SECTIONS, NUDGE)).encode()).hexdigest()
