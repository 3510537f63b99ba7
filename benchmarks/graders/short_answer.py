"""Situational inference: a short answer that names an accepted alias, or every required keyword.

Answers and aliases are compared normalised (lower case, no punctuation, no articles a/an/the), and
an alias counts as a whole-word phrase, so "cat" is found in "the black cat" but not in "category".
"""

from __future__ import annotations

from typing import Any

from benchmarks.graders.text import contains_phrase, final_answer_text, normalize, shorten
from benchmarks.graders.verdict import Verdict


def _quoted(words: list[str]) -> str:
    return ", ".join(f'"{word}"' for word in words)


def grade_short_answer(case: dict[str, Any], output: str) -> Verdict:
    """Pass on an accepted alias, or, when `required_keywords` is given, on all of them (either rule)."""
    answer = final_answer_text(output)
    source = "the Answer line" if answer is not None else "the output (no Answer line)"
    raw = (answer if answer is not None else output).strip()
    text = normalize(raw)
    if not text:
        return Verdict(False, f"{source} is empty", raw)
    shown = f'{source} "{shorten(raw, 60)}"'
    accepted: list[str] = case.get("accepted") or []
    for alias in accepted:
        if contains_phrase(text, normalize(alias)):
            return Verdict(True, f'{shown} names the accepted answer "{alias}"', raw)
    keywords: list[str] = case.get("required_keywords") or []
    missing = [word for word in keywords if not contains_phrase(text, normalize(word))]
    if keywords and not missing:
        return Verdict(True, f"{shown} contains every required keyword ({_quoted(keywords)})", raw)
    wanted = [f"names none of the accepted answers ({_quoted(accepted)})"] if accepted else []
    if keywords:
        wanted.append(f"lacks the keyword(s) {_quoted(missing)}")
    if not wanted:
        wanted.append("cannot match: the case lists no accepted answers or keywords")
    return Verdict(False, f"{shown} " + " and ".join(wanted), raw)
