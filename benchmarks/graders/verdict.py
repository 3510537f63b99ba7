"""The one result type every grader returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """Outcome of grading one model output against one case.

    `reason` is written for a person reading the report: what was extracted and why it
    passed or failed. `extracted` is the parsed answer (JSON-serialisable) or None.
    """

    passed: bool
    reason: str
    extracted: Any = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
