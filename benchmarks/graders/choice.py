"""Multiple choice: find the one option letter the model commits to.

A capital letter only counts where it reads as a choice ("B", "(B)", "B)", "B.", "Answer: B",
"option B"), never the English article in "A company issues bonds". Naming two letters ("A or B")
is a hedge and fails.
"""

from __future__ import annotations

import re
from typing import Any

from benchmarks.graders.hedges import or_lists
from benchmarks.graders.text import answer_lines, fold, shorten
from benchmarks.graders.verdict import Verdict, oversized

# "Answer: B", "The answer is B", and for choices also "the correct option is (B)"; a bare "which option
# is" belongs to the question, not to an answer.
_STATEMENT = re.compile(
    r"\b(?:answer[*_]*\s*(?:is\b[*_]*\s*:?|[:=])|(?:correct|right|best|final)\s+(?:option|choice)\s+is\b\s*:?)"
    r"[*_]*\s*(?P<text>.+)",
    re.IGNORECASE,
)
# Words that may follow a chosen "A" ("A or B", "A is correct"); other lower-case words make it an article.
_AFTER_CHOICE = {"or", "and", "is", "because", "since", "as"}
_END = r"(?![\w'])"
_FUNCTION_WORDS = set(
    "a an the of to in on at by for from with and or not no is are was be it its this that than as all"
    " one per each every only".split()
)
_JOINED = r"\s*(?:,|/|&|\bor\b|\band\b)\s*[(\[*]*"


def _patterns(letters: str) -> list[re.Pattern[str]]:
    """Answer-like positions of a letter, the letter always in group 1 (group 2: a second, hedged one)."""
    one = f"([{letters}])"
    return [
        re.compile(rf"(?<![\w']){one}[)\]*]?{_JOINED}{one}{_END}"),  # "A or B", "B, C", "C/D"
        re.compile(rf"(?i:answer|option|choice)[*_]*\s*(?i:is\b|:|=)?[*_]*\s*[(\[*]*{one}{_END}"),
        re.compile(rf"[(\[]{one}[)\]]"),  # "(B)", "[B]"
        re.compile(rf"(?<![\w.']){one}[).:](?=\s|$|\*)"),  # "B)", "B.", "B:"
        re.compile(rf"^[ \t*_#>-]*{one}{_END}(?=\s*(?:[-–—,]|$)|\s+is\b)", re.MULTILINE),  # "B - Paris"
    ]


def _is_article(text: str, letter: str, end: int) -> bool:
    """An "A" followed by an ordinary lower-case word is the article, not option A."""
    following = re.match(r"\s+([a-z]+)", text[end:])
    return letter == "A" and following is not None and following.group(1) not in _AFTER_CHOICE


def _mentions(text: str, letters: str) -> list[str]:
    """Distinct letters in answer-like positions, in order of appearance."""
    spans: list[tuple[int, str]] = []
    for pattern in _patterns(letters):
        for match in pattern.finditer(text):
            for group in range(1, pattern.groups + 1):
                letter = match.group(group)
                if not _is_article(text, letter, match.end(group)):
                    spans.append((match.start(group), letter))
    return list(dict.fromkeys(letter for _, letter in sorted(spans)))


def _leading(text: str, letters: str) -> list[str]:
    """A statement that starts with a letter ("B. Paris, not A") commits to that letter, unless it
    goes straight on to another one ("A or B")."""
    match = re.match(rf"[\s*_(\[]*([{letters}]){_END}", text)
    if match is None or _is_article(text, match.group(1), match.end(1)):
        return []
    hedge = re.match(rf"[)\]*.:]*{_JOINED}([{letters}]){_END}", text[match.end() :])
    letter = match.group(1)
    return [letter, hedge.group(1)] if hedge and hedge.group(1) != letter else [letter]


def _by_option_text(text: str, options: dict[str, str]) -> list[str]:
    """Letters whose whole option text the answer contains, ignoring case, spacing and punctuation.

    An option whose text lies inside another matched option's text ("Vitamin A" in ...) is dropped.
    """
    haystack = f" {fold(text)} "
    found = {letter: fold(option) for letter, option in options.items() if fold(option)}
    found = {letter: option for letter, option in found.items() if f" {option} " in haystack}
    return [
        letter
        for letter, option in found.items()
        if not any(option != other and f" {option} " in f" {other} " for other in found.values())
    ]


def _phrases(option: str) -> set[str]:
    """The option's runs of one to three words that hold more than function words."""
    words = fold(option).split()
    runs = {" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
    return {run for run in runs if not set(run.split()) <= _FUNCTION_WORDS}


def _coverage(option: str, said: set[str]) -> float:
    """The share of the option's content words that the answer uses."""
    words = set(fold(option).split()) - _FUNCTION_WORDS
    return len(words & said) / len(words) if words else 0.0


def _by_option_part(text: str, options: dict[str, str]) -> list[str]:
    """The option the answer names by a distinctive part: a run of words no other option has
    ("volatility rises" for "The stock's volatility rises", "Texas" for "Paris, Texas"). A part with
    a word of its own outweighs one whose words all occur elsewhere ("their prices" of "Their
    prices rise" against "fall" of "Their market prices fall"); among equals, the option whose words
    the answer covers most wins, and a tie is kept (ambiguous)."""
    said = f" {fold(text)} "
    phrases = {letter: _phrases(option) for letter, option in options.items()}
    words = {letter: set(fold(option).split()) for letter, option in options.items()}
    strength: dict[str, int] = {}
    for letter, own in phrases.items():
        others = [other for other in phrases if other != letter]
        shared = set().union(*(phrases[other] for other in others))
        common = set().union(*(words[other] for other in others))
        for phrase in own - shared:
            if f" {phrase} " in said:
                strength[letter] = max(strength.get(letter, 0), 2 if set(phrase.split()) - common else 1)
    strongest = [letter for letter in strength if strength[letter] == max(strength.values())]
    coverage = {letter: _coverage(options[letter], set(said.split())) for letter in strongest}
    return [letter for letter in strongest if coverage[letter] == max(coverage.values())]


def _named(text: str, options: dict[str, str]) -> list[str]:
    """Options named by their whole text or by a distinctive part."""
    return sorted({*_by_option_text(text, options), *_by_option_part(text, options)})


def _decide(text: str, options: dict[str, str], statement: bool) -> list[str]:
    letters = "".join(sorted(options))
    whole = re.fullmatch(rf"[\W_]*([{letters}{letters.lower()}])[\W_]*", text)
    if whole:
        return [whole.group(1).upper()]
    leading = _leading(text, letters) if statement else []
    found = leading or _mentions(text, letters)
    if found:
        return found
    for candidates in or_lists(text, whole_clause=statement):  # "Texas or Austin" names two options
        hedged = sorted({letter for candidate in candidates for letter in _named(candidate, options)})
        if len(hedged) > 1:
            return hedged
    return _named(text, options)


def chosen_letters(output: str, options: dict[str, str]) -> tuple[list[str], str]:
    """(letters, where): the last answer statement that names an option decides, else the whole output."""
    options = {letter.upper(): text for letter, text in options.items()}
    for marked in reversed(answer_lines(output, _STATEMENT)):
        found = _decide(marked.text, options, statement=True)
        if found:
            return found, f'"{marked.quote}"'
    found = _decide(output, options, statement=False)
    return found, f'the output "{shorten(output, 60)}"'


def grade_choice(case: dict[str, Any], output: str) -> Verdict:
    """Pass when exactly one option letter is chosen and it is the case's `answer`."""
    too_long = oversized(output)
    if too_long:
        return too_long
    expected = str(case["answer"]).upper()
    found, where = chosen_letters(output, case["options"])
    if not found:
        excerpt = shorten(output) or "empty output"
        return Verdict(False, f"expected {expected}, but no option letter found in {excerpt!r}")
    if len(found) > 1:
        return Verdict(False, f"ambiguous: {where} commits to {' and '.join(found)}, not one option", found)
    verdict = "correct" if found[0] == expected else f"expected {expected}"
    return Verdict(found[0] == expected, f"chose {found[0]} from {where}: {verdict}", found[0])
