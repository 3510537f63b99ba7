"""Model text made storable: every backend's answer passes through here before it is cached or graded.

A server (or a decoder) can hand back a lone UTF-16 surrogate such as "\\ud800", which is a Python
string but not Unicode text: SQLite, JSON files and HTML writers all refuse it. Each such code point
becomes U+FFFD and is counted, so one bad answer is graded as what it is and stops nothing else.
"""

from __future__ import annotations

import re

from lorabench.backends.base import Generation

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> tuple[str, int]:
    """`text` with every code point that cannot be encoded as UTF-8 replaced, and how many were."""
    cleaned, replaced = _SURROGATE.subn(REPLACEMENT, text)
    return cleaned, replaced


def valid_generation(generation: Generation) -> Generation:
    """The same generation with valid text; `replaced_code_points` says how many code points changed."""
    if not isinstance(generation.text, str):  # a backend bug, but never a reason to lose the other answers
        generation.text = "" if generation.text is None else str(generation.text)
    cleaned, replaced = valid_text(generation.text)
    if replaced:
        generation.text = cleaned
        generation.replaced_code_points += replaced
    return generation
