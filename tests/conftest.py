"""Shared helpers for the harness self-tests."""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy  # noqa: F401 - before any in-process pytester run: numpy cannot be imported twice in one process,
import pytest  # and pytester removes the modules an inner run imported (the comparison page imports matplotlib)
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = REPO / "benchmarks"

pytest_plugins = ["pytester"]

# `make mutants` runs the property tests once per mutant: the same examples every time (no random draw, no
# database of earlier failures), so a mutant's status does not depend on luck or on the mutant run before it.
settings.register_profile("mutmut", derandomize=True, database=None)


def write_cases(directory: Path, cases: list[dict[str, Any]]) -> Path:
    """Write cases into <category>.jsonl files under `directory` and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    by_category: dict[str, list[str]] = {}
    for case in cases:
        by_category.setdefault(case["category"], []).append(json.dumps(case))
    for category, lines in by_category.items():
        (directory / f"{category}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["city"],
        },
    },
}

SMALL_SET: list[dict[str, Any]] = [
    {"id": "math-001", "category": "math", "prompt": "What is 6 times 7?", "answer": 42},
    {"id": "math-002", "category": "math", "prompt": "What is 10% of 250?", "answer": 25},
    {
        "id": "mcq-001",
        "category": "mcq",
        "prompt": "Capital of Italy? A) Rome B) Milan",
        "options": {"A": "Rome", "B": "Milan"},
        "answer": "A",
    },
    {
        "id": "fc-001",
        "category": "function_calling",
        "prompt": "Weather in Oslo?",
        "tools": [WEATHER_TOOL],
        "expected_calls": [{"name": "get_weather", "arguments": {"city": ["Oslo"], "unit": [None, "celsius"]}}],
    },
    {
        "id": "sit-001",
        "category": "situational",
        "prompt": "She paid and left the cinema. Where was she?",
        "accepted": ["cinema", "movie theater"],
    },
    {
        "id": "ft-001",
        "category": "judge_finetome",
        "prompt": "Explain recursion briefly.",
        "reference_answer": "Recursion is when a function calls itself on a smaller input until a base case.",
        "rubric": {"criteria": "Explains recursion", "scores": {str(i): f"level {i}" for i in range(1, 6)}},
        "threshold": 4,
    },
]


@pytest.fixture
def small_cases(tmp_path: Path) -> Path:
    return write_cases(tmp_path / "cases", SMALL_SET)


@pytest.fixture
def bench_args(tmp_path: Path, small_cases: Path) -> list[str]:
    """Command-line arguments for an isolated benchmark run over SMALL_SET."""
    return [
        str(BENCHMARKS),
        f"--cases-dir={small_cases}",
        f"--cache-dir={tmp_path / 'cache'}",
        f"--reports-dir={tmp_path / 'reports'}",
        "-p",
        "no:cacheprovider",
    ]


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Tiny random Llama models with LoRA and rsLoRA adapters (tests.tiny_llama), built once per session."""
    from tests.tiny_llama import build_tiny_models

    return build_tiny_models(tmp_path_factory.mktemp("tiny"))


def write_script(path: Path, outputs: dict[str, str], default: str = "") -> Path:
    path.write_text(json.dumps({"outputs": outputs, "default": default}), encoding="utf-8")
    return path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


CHROMIUM = shutil.which("chromium")
# Without the background-networking flags chromium tries to reach Google's hosts at start.
QUIET = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
QUIET += ["--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright. CI installs it (.ci/run) and fails without it; elsewhere the
    test is skipped when chromium is missing."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium for this test")
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        yield launched
        launched.close()
