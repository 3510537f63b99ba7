"""Which command lines count as a benchmark run (and so get the per-model HTML report)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.plugin import targets_benchmarks
from tests.conftest import REPO


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["benchmarks"], True),
        (["benchmarks/test_math.py::test_math[math-001]"], True),
        (["."], True),
        (["tests"], False),
        (["tests/test_cases.py", "benchmarks/test_mcq.py"], True),
    ],
)
def test_targets_benchmarks(args: list[str], expected: bool) -> None:
    assert targets_benchmarks(args, REPO) is expected


def test_relative_to_the_invocation_directory(tmp_path: Path) -> None:
    assert targets_benchmarks(["benchmarks"], tmp_path) is False
    assert targets_benchmarks([f"{REPO.name}/benchmarks"], REPO.parent) is True
