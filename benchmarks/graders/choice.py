"""Multiple choice: find the one option letter the model commits to."""

from __future__ import annotations

import re
from typing import Any

from benchmarks.graders.text import final_answer_text, normalize, shorten
from benchmarks.graders.verdict import Verdict


def _letter_patterns(letters: str) -> list[re.Pattern[str]]:
    """Places where a capital letter is a choice, not the English article 'A' in running prose."""
    group = f"([{letters}])"
    return [
        re.compile(rf"^\W*([{letters}{letters.lower()}])\W*$"),  # the whole text is the letter: "B", "(b).", "**B**"
        re.compile(rf"(?i:answer|option|choice)\s*(?:is|:|=)?\s*(?i:option\s*)?[(\[*]*{group}\b(?![a-z'])"),
        re.compile(rf"[(\[]{group}[)\]]"),  # "(B)", "[B]"
        re.compile(rf"(?:^|\s|\*){group}[).:](?=\s|$|\*)", re.M),  # "B)", "B.", "B:"
        re.compile(
            rf"^\W*{group}\b(?![a-z'])(?=\s*[-–,]|\s*$)", re.M
        ),  # a line that starts "B - Paris" or "B, because"
    ]


def _coordinated(text: str, letters: str) -> list[str]:
    """Letters offered together, "A or B", "B and D", "C/D": a hedge, so every one of them counts."""
    pattern = re.compile(rf"\b([{letters}])\)?\s*(?:,|/|\bor\b|\band\b)\s*\(?([{letters}])\b(?![a-z'])")
    return [letter for pair in pattern.findall(text) for letter in pair]


def _letters_in(text: str, letters: str) -> list[str]:
    found: list[str] = _coordinated(text, letters)
    for pattern in _letter_patterns(letters):
        for letter in pattern.findall(text):
            if letter.upper() in letters and letter.upper() not in found:
                found.append(letter.upper())
    return found


def _option_text_match(text: str, options: dict[str, str]) -> list[str]:
    """Letters whose full option text appears in `text` (normalised, whole words)."""
    haystack = f" {normalize(text)} "
    return [letter for letter, option in options.items() if normalize(option) and f" {normalize(option)} " in haystack]


def chosen_letters(output: str, options: dict[str, str]) -> tuple[list[str], str]:
    """(letters, where): the Answer line decides when present, else the whole output."""
    letters = "".join(sorted(options))
    answer_line = final_answer_text(output)
    for text, where in ((answer_line, "the Answer line"), (output, "the output")):
        if text is None:
            continue
        found = _letters_in(text, letters)
        if found:
            return found, where
        by_text = _option_text_match(text, options)
        if len(by_text) == 1 or (by_text and text is answer_line):
            return by_text, f"option text in {where}"
    return [], ""


def grade_choice(case: dict[str, Any], output: str) -> Verdict:
    """Pass when exactly one option letter is chosen and it is the case's `answer`."""
    expected = case["answer"]
    found, where = chosen_letters(output, case["options"])
    if not found:
        return Verdict(False, f"no option letter found in {shorten(output) or 'an empty output'!r}")
    if len(found) > 1:
        return Verdict(False, f"ambiguous: commits to {' and '.join(found)} in {where}", found)
    letter = found[0]
    verdict = "correct" if letter == expected else f"expected {expected}"
    return Verdict(letter == expected, f"chose {letter} ({where}); {verdict}", letter)
