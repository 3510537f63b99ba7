"""The one result type every grader returns, and the size limit every grader applies first."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any

# Longer outputs are not read: no generation limit in use comes near it, and reading megabytes of
# text with regular expressions and parsers would make grading slow for no verdict worth having.
MAX_OUTPUT_CHARS = 100_000
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_safe(value: Any, depth: int = 0) -> Any:
    """`value` as data any JSON writer accepts in UTF-8: lone surrogates replaced, non-finite floats
    as strings, nesting cut at 64 levels."""
    if isinstance(value, str):
        return value if value.isascii() else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if depth > 64:
        return "…"
    if isinstance(value, dict):
        return {json_safe(str(key)): json_safe(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item, depth + 1) for item in value]
    return value


@dataclass(frozen=True)
class Verdict:
    """Outcome of grading one model output against one case.

    `reason` is written for a person reading the report: what was extracted and why it
    passed or failed. `extracted` is the parsed answer (JSON-serialisable) or None. Both are made
    safe to write as JSON in UTF-8, whatever the model wrote.
    """

    passed: bool
    reason: str
    extracted: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", json_safe(self.reason) or "no reason given")
        object.__setattr__(self, "extracted", json_safe(self.extracted))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def oversized(output: str) -> Verdict | None:
    """A failing verdict for an output too long to read, else None."""
    if len(output) <= MAX_OUTPUT_CHARS:
        return None
    return Verdict(False, f"output of {len(output):,} characters is over the {MAX_OUTPUT_CHARS:,} the graders read")
