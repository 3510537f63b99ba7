"""The shipped cases and the graders check each other: the oracle must pass every deterministic case,
and oracle answers given to the wrong cases must almost all fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.graders import grade
from lorabench.backends.base import BackendContext, GenerationParams, ModelSpec, Request
from lorabench.backends.oracle import OracleBackend, ShuffledOracleBackend
from lorabench.run.cases import JUDGE_CATEGORIES, load_cases

SHIPPED = load_cases()
DETERMINISTIC = [case for category, cases in SHIPPED.items() if category not in JUDGE_CATEGORIES for case in cases]


def _request(case: dict) -> Request:
    return Request(case, [], None, "", GenerationParams(1))


@pytest.mark.parametrize("case", DETERMINISTIC, ids=[case["id"] for case in DETERMINISTIC])
def test_oracle_passes_every_shipped_case(case: dict) -> None:
    oracle = OracleBackend(ModelSpec("oracle", "oracle"), BackendContext(Path(".")))
    (answer,) = oracle.generate([_request(case)])
    verdict = grade(case, answer.text)
    assert verdict.passed, f"{case['id']}: {verdict.reason}"


def test_shuffled_oracle_fails_almost_every_shipped_case() -> None:
    shuffled = ShuffledOracleBackend(ModelSpec("s", "oracle-shuffled"), BackendContext(Path("."), SHIPPED))
    answers = shuffled.generate([_request(case) for case in DETERMINISTIC])
    passed = [
        case["id"] for case, answer in zip(DETERMINISTIC, answers, strict=True) if grade(case, answer.text).passed
    ]
    assert len(passed) < 0.1 * len(DETERMINISTIC), passed
