"""Situational inference: a short answer that names an accepted alias, or every required keyword.

Answers and aliases are compared normalised (lower case, no punctuation, no articles a/an/the), and
an alias counts as a whole-word phrase, so "cat" is found in "the black cat" but not in "category".
An answer that offers several candidates, one accepted and others not ("a doctor, a nurse or a
paramedic", a numbered list of guesses), fails as hedged (see `hedges`).
"""

from __future__ import annotations

import re
from typing import Any

from benchmarks.graders.hedges import list_items, or_lists
from benchmarks.graders.text import contains_phrase, final_answer_text, normalize, shorten
from benchmarks.graders.verdict import Verdict, oversized


def _quoted(words: list[str]) -> str:
    return ", ".join(f'"{word}"' for word in words)


def _names_alias(text: str, accepted: list[str]) -> str | None:
    normalized = normalize(text)
    return next((alias for alias in accepted if contains_phrase(normalized, normalize(alias))), None)


_LIST_ITEM = re.compile(r"\s*(?:\d{1,2}[.)]|[-*•])\s")  # "1. ", "2) ", "- ", "* ", "• "


def _hedged(candidates: list[str], accepted: list[str]) -> bool:
    """Several distinct candidates, at least one accepted and one not."""
    hits = [_names_alias(candidate, accepted) is not None for candidate in candidates]
    return len({normalize(candidate) for candidate in candidates}) > 1 and any(hits) and not all(hits)


def _hedge_verdict(answer: str | None, output: str, accepted: list[str]) -> Verdict | None:
    """A failing verdict when the answer offers several candidates instead of one, else None."""
    if answer is not None and not answer.rstrip().endswith(":") and not _LIST_ITEM.match(answer):
        groups = or_lists(answer, whole_clause=True)
    else:
        items, prose = list_items(output)
        if items and _names_alias(prose, accepted) and not _hedge_verdict(prose, prose, accepted):
            return None  # the sentence commits ("She is at the hospital."); the list explains
        groups = [items, *or_lists(output)]
    for candidates in groups:
        if _hedged(candidates, accepted):
            listed = "; ".join(shorten(candidate, 40) for candidate in candidates[:10])
            more = f" and {len(candidates) - 10} more" if len(candidates) > 10 else ""
            return Verdict(False, f"hedged: the answer offers {len(candidates)} candidates ({listed}{more}), not one")
    return None


def grade_short_answer(case: dict[str, Any], output: str) -> Verdict:
    """Pass on an accepted alias, or, when `required_keywords` is given, on all of them (either rule);
    fail a hedge that lists an accepted alias among wrong candidates."""
    too_long = oversized(output)
    if too_long:
        return too_long
    answer = final_answer_text(output)
    source = "the Answer line" if answer is not None else "the output (no Answer line)"
    raw = (answer if answer is not None else output).strip()
    text = normalize(raw)
    if not text:
        return Verdict(False, f"{source} is empty", raw)
    shown = f'{source} "{shorten(raw, 60)}"'
    accepted: list[str] = case.get("accepted") or []
    hedge = _hedge_verdict(answer, output, accepted) if accepted else None
    if hedge:
        return Verdict(False, f"{shown} is {hedge.reason}", raw)
    alias = _names_alias(raw, accepted)
    if alias is not None:
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
