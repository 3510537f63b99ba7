"""Text helpers shared by the graders: finding the final answer and normalising words."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Answer: X", "**Answer:** X", "Final answer = X", "The answer is X", "the correct answer is: X".
# The answer may start on the next line ("Answer:\n42"); it runs to the end of its line.
ANSWER_LINE = re.compile(r"\banswer[*_]*\s*(?:is\b[*_]*\s*:?|[:=])[*_]*\s*(?P<text>.+)", re.IGNORECASE)
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_APOSTROPHE = re.compile(r"['’]")
_INITIALS = re.compile(r"\b[^\W\d_](?:\.[^\W\d_])+\b\.?")  # "E.R.", "U.S.A"
_NON_WORD = re.compile(r"[^\w\s]|_")


@dataclass(frozen=True)
class Marked:
    """An explicit final answer: its text, where it starts in the output, and how it was written."""

    text: str
    start: int
    quote: str


def answer_lines(output: str, pattern: re.Pattern[str] = ANSWER_LINE) -> list[Marked]:
    """Every explicit answer statement in `output`, in order (the model may correct itself)."""
    return [
        Marked(match.group("text").strip(), match.start(), shorten(match.group(0).replace("*", ""), 60))
        for match in pattern.finditer(output)
    ]


def final_answer_text(output: str) -> str | None:
    """The text after the last `Answer:` / `the answer is` marker, up to the end of its line."""
    found = answer_lines(output)
    return found[-1].text if found else None


def fold(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces: for case-, spacing- and punctuation-blind
    comparison. Apostrophes and the dots of initials are dropped ("stock's" is "stocks", "E.R." is "er")."""
    text = _INITIALS.sub(lambda match: match.group(0).replace(".", ""), _APOSTROPHE.sub("", text.lower()))
    return " ".join(_NON_WORD.sub(" ", text).split())


def normalize(text: str) -> str:
    """`fold`, then without the articles a/an/the: for comparing short free-text answers."""
    return " ".join(_ARTICLES.sub(" ", fold(text)).split())


def contains_phrase(haystack: str, phrase: str) -> bool:
    """Whole-word containment of an already normalised phrase ("cat" is not in "category")."""
    return bool(phrase) and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", haystack) is not None


def shorten(text: str, limit: int = 80) -> str:
    """A one-line excerpt of model text for a verdict reason."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
