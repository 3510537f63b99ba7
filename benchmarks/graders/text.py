"""Text helpers shared by the graders: finding the final answer and normalising words."""

from __future__ import annotations

import re
import string

# "Answer: X", "Final answer = X", "The answer is X", "the correct answer is: X"
ANSWER_LINE = re.compile(r"\banswer\s*(?:is\b\s*:?|[:=])\s*(.+)", re.IGNORECASE)
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_PUNCTUATION = str.maketrans({ch: " " for ch in string.punctuation + "“”‘’«»…"})


def final_answer_text(output: str) -> str | None:
    """The text after the last `Answer:` / `the answer is` marker, up to the end of its line."""
    matches = list(ANSWER_LINE.finditer(output))
    if not matches:
        return None
    return matches[-1].group(1).strip()


def normalize(text: str) -> str:
    """Lower case, no punctuation, no articles, single spaces: for comparing short answers."""
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_phrase(haystack: str, phrase: str) -> bool:
    """Whole-word containment of an already normalised phrase."""
    return bool(phrase) and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", haystack) is not None


def shorten(text: str, limit: int = 80) -> str:
    """A one-line excerpt of model text for a verdict reason."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
