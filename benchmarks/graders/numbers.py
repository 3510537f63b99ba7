"""Numeric answers: find the model's final number and compare it with the case's answer."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from benchmarks.graders.text import final_answer_text, shorten
from benchmarks.graders.verdict import Verdict

_BOXED = re.compile(r"\\boxed\{((?:[^{}]|\{[^{}]*\})*)\}")
_LATEX_FRAC = re.compile(r"\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}")
# A number: optional sign, digits with optional thousands separators or plain digits, optional
# decimals, or a leading-dot decimal; optionally followed by a fraction bar and a denominator.
_NUMBER = re.compile(
    r"(?P<sign>[-−–]?)\s?(?:[$€£¥]|USD\s?|EUR\s?)?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?P<dec>\.\d+)?"
    r"(?:\s?/\s?(?P<den>\d+))?(?P<sci>[eE][-+]?\d+)?"
)


def _value(match: re.Match[str]) -> float | None:
    whole, decimals = match.group("int"), match.group("dec")
    if whole is None and decimals is None:
        return None
    number = Fraction((whole or "0").replace(",", "") + (decimals or ""))
    if match.group("den"):
        denominator = int(match.group("den"))
        if denominator == 0:
            return None
        number /= denominator
    value = float(number)
    if match.group("sci"):
        value *= 10 ** int(match.group("sci")[1:])
    return -value if match.group("sign") and _is_minus(match) else value


def _is_minus(match: re.Match[str]) -> bool:
    """A dash counts as a minus sign unless it is glued to a word or number, as in `3-5` or `COVID-19`."""
    start = match.start("sign")
    return start == 0 or not match.string[start - 1].isalnum()


def numbers_in(text: str) -> list[float]:
    """Every number in `text`, in order (thousands separators, decimals, fractions, signs, currency)."""
    text = _LATEX_FRAC.sub(r"\1/\2", text)
    values = []
    for match in _NUMBER.finditer(text):
        value = _value(match)
        if value is not None:
            values.append(value)
    return values


def _candidate(output: str) -> tuple[float | None, str]:
    """(number, where it came from): a boxed answer, else the Answer line, else the last number."""
    boxed = _BOXED.findall(output)
    if boxed and numbers_in(boxed[-1]):
        return numbers_in(boxed[-1])[0], f"\\boxed{{{boxed[-1]}}}"
    answer_line = final_answer_text(output)
    if answer_line is not None and numbers_in(answer_line):
        return numbers_in(answer_line)[0], f'"Answer: {shorten(answer_line, 40)}"'
    everything = numbers_in(output)
    if everything:
        return everything[-1], "the last number in the output"
    return None, ""


def _plain(value: float) -> Any:
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else round(value, 10)


def grade_numeric(case: dict[str, Any], output: str) -> Verdict:
    """Pass when the final number equals `answer` within `tolerance` (absolute; exact by default)."""
    expected = float(case["answer"])
    tolerance = float(case.get("tolerance", 0.0))
    value, source = _candidate(output)
    if value is None:
        return Verdict(False, f"no number found in the output ({shorten(output) or 'empty'!r})")
    allowed = tolerance + 1e-9 * max(1.0, abs(expected))
    within = abs(value - expected) <= allowed
    margin = f" ± {tolerance:g}" if tolerance else ""
    verdict = "matches" if within else "does not match"
    reason = f"extracted {_plain(value)} from {source}; {verdict} expected {_plain(expected)}{margin}"
    return Verdict(within, reason, _plain(value))
