"""The benchmark options, declared once: the pytest plugin adds them all (`pytest --help`, section
"lorabench benchmark") and `python -m lorabench` adds those its commands take, with the same names,
defaults and help."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from lorabench.models.registry import DEFAULT_MODEL
from lorabench.run.cases import CASES_DIR


def positive_int(text: str) -> int:
    """A batch size of 0 would silently mean the default and a negative one would build no batches."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


BENCHMARK_OPTIONS: dict[str, dict[str, Any]] = {
    "--model": {
        "action": "append",
        "default": None,
        "help": f"model to benchmark (default: {DEFAULT_MODEL}): a registry name, a model or adapter directory "
        "or a .gguf file; repeat to compare several",
    },
    "--models-file": {"default": None, "help": "a TOML registry adding or overriding models (default: none)"},
    "--list-models": {"action": "store_true", "help": "list the registry's models and exit"},
    "--cases-dir": {
        "default": str(CASES_DIR),
        "help": "directory of <category>.jsonl case files (default: benchmarks/cases)",
    },
    "--cache-dir": {"default": ".lorabench", "help": "generation cache and converted models (default: %(default)s)"},
    "--no-cache": {"action": "store_true", "help": "ignore and do not write the generation cache (default: off)"},
    "--reports-dir": {"default": "reports", "help": "where <model>.json and <model>.html go (default: %(default)s)"},
    "--batch-size": {
        "type": positive_int,
        "default": None,
        "help": "prompts per generation batch (default: the model's or backend's)",
    },
    "--baseline": {
        "default": None,
        "help": "also compare every model of the run with this one, besides adapters with their bases (default: none)",
    },
    "--judge": {"default": None, "help": "registry model that grades the open answers (default: none)"},
    "--judge-max-calls": {"type": int, "default": None, "help": "judge generations allowed (default: no limit)"},
    "--judge-max-tokens": {
        "type": int,
        "default": None,
        "help": "judge prompt+reply tokens allowed (default: no limit)",
    },
    "--judge-retries": {"type": int, "default": 2, "help": "re-asks of a reply with no score (default: 2)"},
    "--judge-check": {
        "action": "store_true",
        "help": "check the judge scores reference answers above bad ones; exit",
    },
}


def add_options(add: Callable[..., Any], flags: list[str] | None = None, **overrides: dict[str, Any]) -> None:
    """Declare `flags` (default: all) with `add` (argparse's `add_argument` or pytest's `addoption`);
    `overrides` changes a declaration by destination name, e.g. `judge={"required": True}`."""
    for flag in flags or list(BENCHMARK_OPTIONS):
        add(flag, **BENCHMARK_OPTIONS[flag] | overrides.get(flag.removeprefix("--").replace("-", "_"), {}))
