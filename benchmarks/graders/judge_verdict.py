"""Reading a judge's score from its own reply, and turning it into a verdict for the model's answer.

Only the judge's generated text is read, never the prompt: so the rubric's "Score 1: ..." lines and
the format instruction cannot be mistaken for a verdict. The last "[RESULT] n" wins (a judge may
think aloud first); "Score: n" is the fallback for judges that drop the tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from benchmarks.graders.verdict import Verdict

RESULT = re.compile(
    r"\[\s*RESULT\s*\]\s*[:=]?\s*\(?\s*\**\s*([1-5])(?:\.0)?\s*\**\s*\)?(?:\s*/\s*5)?(?![\d.])", re.I
)
SCORE = re.compile(
    r"\b(?:final\s+)?(?:score|rating)\s*(?::|=|is)\s*\**\s*([1-5])(?:\.0)?\s*\**"
    r"(?:\s*(?:/|out of)\s*5)?(?![\d.])(?!\s*:)",
    re.I,
)


@dataclass(frozen=True)
class JudgeReading:
    """What was read from one judge reply: the score (None if unreadable), the feedback before it, and
    which rule found it ("[RESULT]", "Score:" or "none")."""

    score: int | None
    feedback: str
    rule: str


def read_judge_reply(text: str) -> JudgeReading:
    for rule, pattern in (("[RESULT]", RESULT), ("Score:", SCORE)):
        matches = list(pattern.finditer(text))
        if matches:
            last = matches[-1]
            feedback = text[: last.start()].strip().removeprefix("Feedback:").strip()
            return JudgeReading(int(last.group(1)), feedback, rule)
    return JudgeReading(None, text.strip(), "none")


def judged_verdict(score: int, threshold: int, feedback: str) -> Verdict:
    """The model's answer passes when the judge's score reaches the case threshold."""
    passed = score >= threshold
    comparison = "reaches" if passed else "is below"
    short = feedback if len(feedback) <= 240 else feedback[:240] + "…"
    return Verdict(passed, f"judge score {score} {comparison} the threshold {threshold}: {short}", score)
