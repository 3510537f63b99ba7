"""`make gpu-check` on a machine without CUDA (one line, exit 2), its rules on made-up answers, and the whole
check on CPU with a tiny model: it passes with honest adapters and fails on an adapter without effect and
on an engine that scales rsLoRA by alpha/r."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lorabench.gpu_check import check as gpu_check
from lorabench.gpu_check import models as gpu_check_models
from lorabench.gpu_check.verdict import EngineResult, failures, identical_share
from tests.conftest import REPO

TINY_RUN = ["--device", "cpu", "--shape", "tiny", "--engines", "transformers-fp32", "--max-new-tokens", "6"]


def test_without_cuda_the_check_is_one_line_and_exit_2() -> None:
    environment = os.environ | {"CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        [sys.executable, "-m", "lorabench", "gpu-check"], cwd=REPO, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stdout == "" and done.stderr.splitlines() == [gpu_check.NO_CUDA]


def test_make_gpu_check_runs_the_script() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "gpu-check:" in makefile and "-m lorabench gpu-check $(GPU_CHECK_ARGS)" in makefile


def test_unknown_engine_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        gpu_check.parse(["--engines", "tensorrt"])
    assert "--engines: unknown engine 'tensorrt'" in capsys.readouterr().err


def _result(engine: str, base: str, lora: str, rslora: str, as_lora: str, at_alpha_over_r: str) -> EngineResult:
    models = {"base": base, "lora": lora, "rslora": rslora, "rslora-as-lora": as_lora}
    models["rslora-at-alpha-over-r"] = at_alpha_over_r
    return EngineResult(engine, {model: dict(enumerate(text)) for model, text in models.items()})  # type: ignore[misc]


def test_identical_share_counts_common_prompts() -> None:
    assert identical_share({"a": "x", "b": "y"}, {"a": "x", "b": "z", "c": "x"}) == 0.5
    assert identical_share({}, {"a": "x"}) == 0.0


def test_rules_on_made_up_answers() -> None:
    good = _result("good", "aaaaa", "bbbbb", "ccccc", "ccccc", "bbbbb")
    assert failures([good]) == []
    no_effect = _result("inert", "aaaaa", "aaaaa", "ccccc", "ccccc", "bbbbb")
    assert failures([no_effect]) == ["inert: adapter lora had no effect (every answer equals the base's)"]
    alpha_over_r = _result("old-engine", "aaaaa", "bbbbb", "ddddd", "ccccc", "ddddd")
    (line,) = failures([good, alpha_over_r])
    assert line.startswith("old-engine: rsLoRA is not scaled by alpha/sqrt(r)") and "0% of prompts" in line
    noisy = _result("noisy", "aaaaa", "bbbbb", "ccccc", "ccccX", "bbbbb")  # 80%: a near tie flipped
    assert failures([noisy]) == []
    skipped = EngineResult("vllm-bf16", skipped="vllm is not installed")
    assert failures([good, skipped]) == []


@pytest.fixture
def tiny_cases(small_cases: Path) -> Path:
    return small_cases


def test_the_check_passes_on_cpu_with_honest_adapters(
    tiny_cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gpu_check.main([*TINY_RUN, "--cases-dir", str(tiny_cases), "--workdir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "transformers-fp32" in out and "tok/s" in out and "rsLoRA = alpha/sqrt(r) twin 100%" in out
    assert out.strip().splitlines()[-1].startswith("gpu-check: passed")
    twin = json.loads((tmp_path / "rslora-as-lora" / "adapter_config.json").read_text())
    assert (twin["lora_alpha"], twin["use_rslora"]) == (gpu_check_models.ALPHA * 4, False)


def test_the_check_fails_on_an_engine_that_reads_rslora_as_plain_lora(
    tiny_cases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build = gpu_check_models.build_adapters

    def ignoring_use_rslora(base: Path, root: Path, device: str) -> dict[str, Path]:
        adapters = build(base, root, device)
        config = adapters["rslora"] / "adapter_config.json"  # as an engine that ignores use_rslora reads it
        config.write_text(json.dumps(json.loads(config.read_text()) | {"use_rslora": False}))
        return adapters

    monkeypatch.setattr(gpu_check_models, "build_adapters", ignoring_use_rslora)
    assert gpu_check.main([*TINY_RUN, "--cases-dir", str(tiny_cases), "--workdir", str(tmp_path)]) == 1
    assert "FAILED: transformers-fp32: rsLoRA is not scaled by alpha/sqrt(r)" in capsys.readouterr().out


def test_the_check_fails_on_an_adapter_without_effect(
    tiny_cases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import peft

    original = peft.LoraConfig

    def zero_b(**settings):  # peft's default initialisation: B = 0, so the adapter changes nothing yet
        return original(**(settings | {"init_lora_weights": True}))

    monkeypatch.setattr(peft, "LoraConfig", zero_b)
    assert gpu_check.main([*TINY_RUN, "--cases-dir", str(tiny_cases), "--workdir", str(tmp_path)]) == 1
    printed = capsys.readouterr().out  # refused at load by the logit check (adapter_effect.py), before any answer
    assert "FAILED: transformers-fp32: model lora: adapter " in printed and "changes no logit" in printed
