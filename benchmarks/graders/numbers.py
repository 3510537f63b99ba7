"""Numeric answers: find the model's final number and compare it with the case's answer.

A percent is its fraction (`75%` reads 0.75) unless the case sets `percent: "points"`, for answers
given in percentage points (`75%` reads 75). Numbers beyond the range of a float (`1e999999`, five
thousand digits) read as infinite and fail with that reason; they never make the grader raise.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from benchmarks.graders.text import Marked, answer_lines, shorten
from benchmarks.graders.verdict import Verdict, oversized

_BOXED = re.compile(r"\\boxed\{(?P<text>(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}")
_LATEX_FRAC = re.compile(r"\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}")
_MIXED_LATEX = re.compile(r"(\d)\s*(?=\\[dt]?frac)")  # 1\frac{1}{2} reads as the mixed fraction "1 1/2"
_CURRENCY = r"(?:[$€£¥₹]|(?:USD|EUR|GBP)\s?)"
# A minus sign only when glued to the number ("-5", "−5", "-$5"); whether it is really a minus and
# not a range or hyphen ("3-5", "COVID-19") is decided by what precedes it, in `_signed`.
_NUMBER = re.compile(
    r"(?=[-−–.\d$€£¥₹UEG])"  # only where a number can start: skips plain text quickly
    rf"(?P<sign>[-−–](?={_CURRENCY}?[\d.]))?{_CURRENCY}?"
    r"(?:(?P<whole>\d+)\s(?P<num>\d+)/(?P<den>\d+)(?![\d.,/])"  # mixed fraction "1 1/2"
    r"|(?P<int>\d{1,3}(?:,\d{3})+(?![\d,])|\d+)?(?P<dec>\.\d+)?"  # 1,234,567.50 / 42 / .5
    r"(?:\s?/\s?(?P<over>\d+))?(?P<exp>[eE][-+]?\d+)?)"  # 3/4, 1.2e3
    r"(?P<percent>\s?%)?"
)
_EXACT_DIGITS = 300  # longer numbers are read as floats: exact arithmetic on them is slow or refused
PERCENT_MODES = ("fraction", "points")


def _magnitude(match: re.Match[str]) -> Fraction | float | None:
    """The unsigned value of a `_NUMBER` match (exact when it is of sane size); None for an empty
    match or a zero denominator."""
    digits = sum(len(match.group(name) or "") for name in ("whole", "num", "den", "int", "dec", "over", "exp"))
    if digits > _EXACT_DIGITS:
        return _approximate(match)
    if match.group("whole"):
        den = int(match.group("den"))
        return Fraction(int(match.group("whole"))) + Fraction(int(match.group("num")), den) if den else None
    whole, decimals = match.group("int"), match.group("dec")
    if whole is None and decimals is None:
        return None
    value = Fraction((whole or "0").replace(",", "") + (decimals or ""))
    if match.group("over"):
        over = int(match.group("over"))
        if over == 0:
            return None
        value /= over
    if match.group("exp"):
        exponent = int(match.group("exp")[1:])
        if abs(exponent) > _EXACT_DIGITS:
            return _approximate(match)
        value *= Fraction(10) ** exponent
    return value


def _approximate(match: re.Match[str]) -> float | None:
    """A huge number as a float: infinite or zero when it leaves the float range."""
    try:
        if match.group("whole"):
            value = float(match.group("whole")) + float(match.group("num")) / float(match.group("den"))
        elif match.group("int") or match.group("dec"):
            whole = (match.group("int") or "0").replace(",", "")
            value = float(whole + (match.group("dec") or "") + (match.group("exp") or ""))
            if match.group("over"):
                value /= float(match.group("over"))
        else:
            return None
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return math.inf if math.isnan(value) else value


def _signed(match: re.Match[str], value: Fraction | float) -> Fraction | float:
    """Negate when the dash is a minus sign: not glued to a preceding word or number (`3-5`, `COVID-19`)."""
    start = match.start("sign")
    if start == -1 or (start > 0 and match.string[start - 1].isalnum()):
        return value
    return -value


def numbers_in(text: str, percent: str = "fraction") -> list[float]:
    """Every number in `text`, in order (thousands separators, decimals, fractions, signs, currency;
    a percent as its fraction, or as points with `percent="points"`)."""
    text = _LATEX_FRAC.sub(r"\1/\2", _MIXED_LATEX.sub(r"\1 ", text))
    values = []
    for match in _NUMBER.finditer(text):
        magnitude = _magnitude(match)
        if magnitude is None:
            continue
        if match.group("percent") and percent == "fraction":
            magnitude = magnitude / 100
        try:
            values.append(float(_signed(match, magnitude)))
        except OverflowError:
            values.append(-math.inf if match.start("sign") != -1 else math.inf)
    return values


def _answer_number(text: str, percent: str) -> float | None:
    """The number an answer statement gives: the first one, or the result after the last `=`
    ("Answer: 6 × 7 = 42")."""
    if "=" in text:
        after = numbers_in(text.rsplit("=", 1)[1], percent)
        if after:
            return after[0]
    found = numbers_in(text, percent)
    return found[0] if found else None


def _explicit_answers(output: str) -> list[Marked]:
    """Answer lines and `\\boxed{}` answers, in order of where they start."""
    boxed = [Marked(m.group("text"), m.start(), shorten(m.group(0), 60)) for m in _BOXED.finditer(output)]
    return sorted([*answer_lines(output), *boxed], key=lambda marked: marked.start)


def final_number(output: str, percent: str = "fraction") -> tuple[float | None, str]:
    """(number, where it came from): the last explicit answer holding a number, else the last number."""
    for marked in reversed(_explicit_answers(output)):
        value = _answer_number(marked.text, percent)
        if value is not None:
            return value, f'from "{marked.quote}"'
    everything = numbers_in(output, percent)
    if everything:
        return everything[-1], "as the last number in the output (no Answer line gives a number)"
    return None, ""


def _plain(value: float) -> int | float:
    """42.0 -> 42 for readable reasons and JSON; other values rounded to hide float noise."""
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else round(value, 10)


def grade_numeric(case: dict[str, Any], output: str) -> Verdict:
    """Pass when the final number equals `answer` within `tolerance` (absolute; exact by default,
    up to float noise such as 0.1 + 0.2)."""
    too_long = oversized(output)
    if too_long:
        return too_long
    expected = float(case["answer"])
    tolerance = float(case.get("tolerance") or 0.0)
    percent = case.get("percent", "fraction")
    if percent not in PERCENT_MODES:
        raise ValueError(f"case {case.get('id')}: percent must be one of {', '.join(PERCENT_MODES)}, not {percent!r}")
    value, source = final_number(output, percent)
    want = f"expected {_plain(expected)}" + (f" ± {tolerance:g}" if tolerance else "")
    if value is None:
        return Verdict(False, f"{want}, but no number found in the output ({shorten(output) or 'empty'!r})")
    if not math.isfinite(value):
        return Verdict(False, f"{want}, but the number {source} is beyond the range of a float", str(value))
    passed = abs(value - expected) <= tolerance + 1e-9 * max(1.0, abs(expected))
    return Verdict(passed, f"{want}, extracted {_plain(value)} {source}", _plain(value))
