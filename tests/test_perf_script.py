"""`python -m lorabench perf`, the instrument behind docs/speed.md's figures, runs end to end on SmolLM2.

Nothing here is timed: the figures vary with the machine. What is checked is that every way of decoding
runs over the same prompts and that the script prints each ratio and identical-output share it promises.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _perf(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lorabench", "perf", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=900)


def test_perf_prints_every_way_and_ratio_on_smollm2(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    result = _perf(
        *("--categories", "situational", "--cases", "3", "--batch-size", "2", "--cache-dir", str(tmp_path)),
        *("--decoder-one-at-a-time", "--fp32-output-layer"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "model smollm2: 3 cases, batch size 2" in out
    tokens = re.findall(r"^  (.+?)\s+(\d+) tokens in\s+[\d.]+ s =\s+[\d.]+ tokens/s$", out, re.M)
    assert [name for name, _ in tokens] == [
        "lorabench decoder, batches of 2",
        "model.generate, one at a time",
        "the same batches, after model.generate",
        "lorabench decoder, one at a time",
        "the same batches, fp32 output layer",
    ]
    assert len({count for _, count in tokens}) == 1, f"every way decodes the same number of tokens: {tokens}"
    assert len(re.findall(r"speed-up, .+: \d+\.\d\dx$", out, re.M)) == 4
    shares = re.findall(r"identical greedy outputs, (.+): (\d)/3 = ", out)
    assert [name for name, _ in shares] == [
        "batched vs model.generate",
        "the two batched runs",
        "decoder vs model.generate, both one at a time",
        "screened vs fp32 output layer",
    ]
    assert re.search(r"peak resident memory: \d+ MiB", out)


def test_perf_names_a_category_it_cannot_measure() -> None:
    result = _perf("--categories", "math,judge_finance")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith("--categories judge_finance: not deterministic categories (math, function_calling, situational, mcq)")
    )
