"""Hedged short answers: the candidates an answer offers instead of committing to one.

Two shapes offer candidates: a list (two or more lines starting with `1.`, `2)`, `-`, `*` or `•`)
and an or-list inside one clause ("it could be a doctor, a nurse or a paramedic", "doctor/nurse"). A grader fails
an answer whose candidates include an accepted one and a wrong one; when every candidate is
accepted ("a pool or swimming baths") the answer still commits to one thing.
"""

from __future__ import annotations

import re

_LIST_ITEM = re.compile(r"^[ \t>]*(?:\d{1,2}[.)]|[-*•+]|\(?[a-hA-H]\))[ \t]+(?P<item>\S.*)$", re.M)
_ITEM_END = re.compile(r"\s*(?::|\s[-–—]\s|\(|\.\s|$)")
_CLAUSE = re.compile(r"[.;!?\n]+(?:\s|$)")
# "or" that joins alternatives; "or not", "or so", "or rather" and the like do not.
_OR_SEPARATOR = re.compile(
    r"(\s*,\s*(?:or\s+)?|\s+or\s+(?!not\b|so\b|rather\b|more\b|less\b|else\b|otherwise\b)|\s*/\s*)", re.I
)
_HEDGE_CUE = re.compile(
    r".*\b(?:(?:could|might|may|can)\s+(?:also\s+)?be|either|possibly|perhaps|maybe|probably|likely|one\s+of)\b",
    re.I | re.S,
)
_SHORT_WORDS = 6
_LONGEST_CLAUSE = 1_000  # a longer "clause" is not a short answer's list of guesses


def list_items(text: str) -> tuple[list[str], str]:
    """The items of a list in `text` (each cut at its first colon, dash or bracket) when it has two
    or more, and the text outside the list."""
    matches = list(_LIST_ITEM.finditer(text))
    if len(matches) < 2:
        return [], text
    items = [_ITEM_END.split(match.group("item").replace("*", "").strip(), maxsplit=1)[0] for match in matches]
    prose = _LIST_ITEM.sub("", text)
    return [item for item in items if item], prose


def _short(piece: str) -> bool:
    return 0 < len(piece.split()) <= _SHORT_WORDS


def _tail(piece: str) -> str:
    """The candidate at the end of a long piece: what follows its last hedge cue, else its last 3 words."""
    match = _HEDGE_CUE.match(piece)
    rest = piece[match.end() :].strip() if match else ""
    return rest if _short(rest) else " ".join(piece.split()[-3:])


def _or_list(clause: str, whole_clause: bool) -> list[str]:
    """The alternatives an or-list in one clause offers ("A, B or C"), or [].

    Pieces before the first "or" join the list across commas only in an answer line
    (`whole_clause`) or after a hedge cue ("could be A, B or C"): in prose, "She is at the
    hospital, maybe in the cafeteria or the lobby" offers two places in the hospital, not three."""
    parts = _OR_SEPARATOR.split(clause)
    pieces, separators = parts[0::2], parts[1::2]
    joined_by_or = [index for index, separator in enumerate(separators) if re.search(r"\bor\b|/", separator, re.I)]
    if not joined_by_or:
        return []
    first, last = joined_by_or[0], joined_by_or[-1] + 1
    start = first
    while start > 0 and _short(pieces[start]):
        start -= 1
    if not whole_clause:
        cued = [index for index in range(start, first + 1) if _HEDGE_CUE.match(pieces[index])]
        start = cued[-1] if cued else first
    chosen = [pieces[start] if _short(pieces[start]) else _tail(pieces[start])]
    chosen += [piece if _short(piece) else " ".join(piece.split()[:4]) for piece in pieces[start + 1 : last + 1]]
    return [piece.strip() for piece in chosen if piece.strip()]


def or_lists(text: str, whole_clause: bool = False) -> list[list[str]]:
    """Every or-list in `text`, clause by clause; a clause offers at most one list."""
    clauses = _CLAUSE.split(text.replace("(", ", ").replace(")", ", "))
    found = [_or_list(clause, whole_clause) for clause in clauses if len(clause) <= _LONGEST_CLAUSE]
    return [candidates for candidates in found if len(candidates) >= 2]
