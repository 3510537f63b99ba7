"""One GPU per pytest-xdist worker, checked on CPU through the environment each worker gets; and which
models the xdist scheduler keeps together (a vLLM base and its adapters)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy  # noqa: F401  - imported before the in-process pytester run, which unloads what it imported
import pytest

from fixtures.xdist_scheduling import item_scopes
from lorabench.models.spec import ModelSpec
from lorabench.run import gpu_assignment
from lorabench.run.gpu_assignment import assign_worker_gpus, gpus_for_worker, worker_index
from lorabench.run.joint_generation import engine_groups
from tests.conftest import write_script


def test_worker_ids() -> None:
    assert [worker_index(w) for w in ("gw0", "gw12", "master", "gw", "gwx1")] == [0, 12, None, None, None]


def test_each_worker_indexes_into_an_existing_visible_list() -> None:
    environs = [{"CUDA_VISIBLE_DEVICES": "4,6,7"} for _ in range(3)]
    for index, environ in enumerate(environs):
        assign_worker_gpus(environ, f"gw{index}")
    assert [environ["CUDA_VISIBLE_DEVICES"] for environ in environs] == ["4", "6", "7"]


def test_more_workers_than_gpus_share_round_robin_and_say_so() -> None:
    environ = {"CUDA_VISIBLE_DEVICES": "0,1"}
    line = assign_worker_gpus(environ, "gw3")
    assert environ["CUDA_VISIBLE_DEVICES"] == "1" and line is not None and "shared" in line and "-n 2" in line


def test_tensor_parallel_models_take_consecutive_gpus() -> None:
    gpus = ["0", "1", "2", "3", "4"]
    assert gpus_for_worker(0, gpus, 2) == (["0", "1"], False)
    assert gpus_for_worker(1, gpus, 2) == (["2", "3"], False)
    assert gpus_for_worker(2, gpus, 2) == (["0", "1"], True)


def test_without_a_list_the_gpus_come_from_nvidia_smi(monkeypatch: pytest.MonkeyPatch) -> None:
    listing = "GPU 0: NVIDIA H100 (UUID: GPU-a)\nGPU 1: NVIDIA H100 (UUID: GPU-b)\n"
    monkeypatch.setattr(gpu_assignment.shutil, "which", lambda name: "/usr/bin/nvidia-smi")
    monkeypatch.setattr(
        gpu_assignment.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=listing)
    )
    environ: dict[str, str] = {}
    assign_worker_gpus(environ, "gw1")
    assert environ == {"CUDA_VISIBLE_DEVICES": "1"}


def test_no_driver_or_no_worker_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gpu_assignment.shutil, "which", lambda name: None)
    environ: dict[str, str] = {}
    assert assign_worker_gpus(environ, "gw0") is None and environ == {}
    listed = {"CUDA_VISIBLE_DEVICES": "3"}
    assert assign_worker_gpus(listed, "master") is None and listed == {"CUDA_VISIBLE_DEVICES": "3"}


def test_xdist_workers_run_on_their_own_gpus(
    pytester: pytest.Pytester, bench_args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "5,9")
    models = [f"--model=scripted:{write_script(tmp_path / f'{name}.json', {})}" for name in ("one", "two")]
    pytester.runpytest(*bench_args, *models, "-n", "2", "-m", "not judge")
    devices = {
        json.loads((tmp_path / "reports" / f"scripted-{name}.json").read_text())["model"]["cuda_visible_devices"]
        for name in ("one", "two")
    }
    assert devices == {"5", "9"}


def test_models_sharing_a_vllm_engine_are_scheduled_together() -> None:
    specs = [
        ModelSpec("base", "vllm", base="b"),
        ModelSpec("lora", "vllm", base="b", adapter="l"),
        ModelSpec("alone", "vllm", base="other"),
        ModelSpec("tp2", "vllm", base="b", options={"tensor_parallel_size": 2}),
        ModelSpec("hf", "transformers", base="b"),
    ]
    groups = engine_groups(specs)
    assert groups == {"base": "base", "lora": "base"}
    scopes = item_scopes([spec.name for spec in specs], ["math-001"], groups)
    assert scopes["lora-math-001"] == scopes["base-math-001"] == "base"
    assert (scopes["alone-math-001"], scopes["hf-no-cases"]) == ("alone", "hf")
