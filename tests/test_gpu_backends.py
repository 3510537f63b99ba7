"""The CUDA paths: bitsandbytes 4-bit (NF4) with a LoRA adapter, and unsloth. Run wherever CUDA exists
(`pytest tests -m gpu`); skipped, and said so, on a machine without it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lorabench.backends.base import BackendContext
from lorabench.backends.hf import TransformersBackend
from lorabench.models.registry import Registry, build_backend
from lorabench.run.generation import ModelRun
from tests.conftest import SMALL_SET
from tests.tiny_llama import TinyModels, models_file

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (run with -m gpu where one exists)"),
]
DETERMINISTIC = [case for case in SMALL_SET if not case["category"].startswith("judge")]


@pytest.fixture(scope="module")
def registry(tiny: TinyModels, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return Registry.load(models_file(tmp_path_factory.mktemp("registry") / "tiny.toml", tiny))


def _answers(registry: Registry, name: str, cache_dir: Path) -> dict[str, str]:
    spec = registry.resolve(name)
    backend = build_backend(spec, BackendContext(cache_dir))
    run = ModelRun(backend, None, DETERMINISTIC, 4, show_progress=False, limits=spec.max_new_tokens)
    run.generate_all()
    backend.close()
    return {case_id: answer.text for case_id, answer in run.answers.items()}


def test_bnb_4bit_loads_nf4_on_cuda_and_the_adapter_applies(registry: Registry, tmp_path: Path) -> None:
    bitsandbytes = pytest.importorskip("bitsandbytes", reason="pip install -r requirements-gpu.txt")
    backend = build_backend(registry.resolve("tiny-4bit-lora"), BackendContext(tmp_path))
    assert isinstance(backend, TransformersBackend)
    model = backend.load_model()
    four_bit = [m for m in model.modules() if isinstance(m, bitsandbytes.nn.Linear4bit)]
    assert four_bit and all(m.weight.quant_type == "nf4" for m in four_bit)
    assert next(model.parameters()).device.type == "cuda"
    del model
    base, adapted = _answers(registry, "tiny-4bit", tmp_path), _answers(registry, "tiny-4bit-lora", tmp_path)
    assert sum(base[i] != adapted[i] for i in base) >= 3


def test_memory_is_released_between_models(registry: Registry, tmp_path: Path) -> None:
    _answers(registry, "tiny-base", tmp_path)
    torch.cuda.synchronize()
    assert torch.cuda.memory_allocated() < 16 * 2**20, "close() must hand the weights back"


def test_unsloth_loads_and_generates(registry: Registry, tmp_path: Path) -> None:
    pytest.importorskip("unsloth", reason="pip install -r requirements-gpu.txt")
    answers = _answers(registry, "tiny-unsloth", tmp_path)
    assert len(answers) == len(DETERMINISTIC) and all(isinstance(text, str) for text in answers.values())


def test_vllm_answers_base_and_adapters_in_one_pass_like_transformers(small_cases: Path, tmp_path: Path) -> None:
    """The GPU check on a small model: vLLM with every adapter in one pass, rsLoRA at alpha/sqrt(r), adapters
    effective, next to transformers (the check's rules; exit 0)."""
    pytest.importorskip("vllm", reason="pip install -r requirements-vllm.txt")
    from lorabench.gpu_check import check as gpu_check

    engines = "transformers-bf16,vllm-bf16"
    arguments = ["--shape", "small", "--engines", engines, "--max-new-tokens", "8", "--cases-dir", str(small_cases)]
    assert gpu_check.main([*arguments, "--workdir", str(tmp_path)]) == 0
