"""Word n-gram overlap of benchmark cases with a training set: a case seen in training measures recall, not skill.

`python -m training.extract_samples contamination ...` runs it; the functions here are the check itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lorabench.run.cases import CASES_DIR, Case, load_cases
from training.data import Message

LONG_N = 13


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def case_texts(case: Case) -> list[str]:
    """The prompt (or every message) and the answer-bearing fields: what a model could have memorised."""
    texts = [case["prompt"]] if "prompt" in case else [m["content"] for m in case.get("messages", [])]
    if case.get("reference_answer"):
        texts.append(case["reference_answer"])
    return texts + list(case.get("options", {}).values())


def _sequences(case: Case, n: int) -> list[list[str]]:
    """Word runs to take n-grams from: each field with at least n words (so no n-gram spans two fields), or the
    whole text joined when no field is that long."""
    runs = [run for run in map(words, case_texts(case)) if run]
    return [run for run in runs if len(run) >= n] or ([[w for run in runs for w in run]] if runs else [])


def _grams(run: list[str], n: int) -> list[tuple[str, ...]]:
    """The n-grams of `run`; a run shorter than n is one gram of its own length."""
    return [tuple(run[i : i + n]) for i in range(len(run) - n + 1)] or [tuple(run)]


def _found_in(training: Iterable[list[Message]], wanted: dict[int, set[tuple[str, ...]]], n: int) -> set[tuple]:
    """Which wanted grams (keyed by length) occur in some training turn. Indexing the cases' grams rather than
    the training text keeps memory small for 100k+ conversations; long grams are looked up only where their
    n-word prefix matched."""
    main, long, short = wanted.get(n, set()), wanted.get(LONG_N, set()), {k: v for k, v in wanted.items() if k < n}
    phrases = [" " + " ".join(gram) + " " for grams in short.values() for gram in grams]
    found: set[tuple[str, ...]] = set()
    for conversation in training:
        for message in conversation:
            run = words(message["content"])
            for i in range(len(run) - n + 1):
                gram = tuple(run[i : i + n])
                if gram in main:
                    found.add(gram)
                    longer = tuple(run[i : i + LONG_N])
                    if longer in long:
                        found.add(longer)
            if phrases:
                padded = " " + " ".join(run) + " "
                found.update(tuple(p.split()) for p in phrases if p in padded)
    return found


@dataclass(frozen=True)
class Flag:
    """A case that overlaps the training data: its share of shared n-grams and an example shared phrase."""

    case_id: str
    category: str
    share: float
    long_match: bool  # shares a run of at least LONG_N words
    example: str


def _example(runs: list[list[str]], found: set[tuple], n: int, limit: int = 24) -> str:
    """The longest stretch of the case covered by consecutive shared n-grams, for a person to judge."""
    best: list[str] = []
    for run in runs:
        start = None
        for i, hit in enumerate([*(gram in found for gram in _grams(run, n)), False]):
            if hit and start is None:
                start = i
            elif not hit and start is not None:
                best = max(best, run[start : i - 1 + n], key=len)
                start = None
    return " ".join(best[:limit]) + (" ..." if len(best) > limit else "")


def contamination(
    cases: list[Case], training: Iterable[list[Message]], n: int = 8, threshold: float = 0.2
) -> list[Flag]:
    """Cases whose share of distinct word n-grams found in `training` is >= threshold, or that share a
    LONG_N-word run; in case order."""
    if not 0 < n < LONG_N:
        raise ValueError(f"n must be between 1 and {LONG_N - 1}, got {n}")
    plans = [(case, _sequences(case, n)) for case in cases]
    wanted: dict[int, set[tuple[str, ...]]] = {}
    for _, runs in plans:
        for run in runs:
            wanted.setdefault(min(n, len(run)), set()).update(_grams(run, n))
            if len(run) >= LONG_N:
                wanted.setdefault(LONG_N, set()).update(_grams(run, LONG_N))
    found = _found_in(training, wanted, n)
    flags = []
    for case, runs in plans:
        grams = {gram for run in runs for gram in _grams(run, n)}
        long_match = any(gram in found for run in runs if len(run) >= LONG_N for gram in _grams(run, LONG_N))
        share = len(grams & found) / len(grams) if grams else 0.0
        if grams and (share >= threshold or long_match):
            flags.append(Flag(case["id"], case["category"], share, long_match, _example(runs, found, n)))
    return flags


def load_case_list(cases_dir: Path = CASES_DIR) -> list[Case]:
    """Every case of `cases_dir`, validated, in category then file order."""
    return [case for cases in load_cases(Path(cases_dir)).values() for case in cases]


def report(flags: list[Flag], total: int, n: int = 8) -> str:
    """One line per flagged case, then the summary line scripts and people look for."""
    lines = [
        f"flagged {f.case_id} ({f.category}): {f.share:.0%} of its {n}-grams in training"
        + (f", shares a {LONG_N}-word run" if f.long_match else "")
        + f'; e.g. "{f.example}"'
        for f in flags
    ]
    return "\n".join([*lines, f"contamination check: {len(flags)} of {total} cases flagged"])
