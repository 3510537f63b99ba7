"""The transformers backend on what exists offline: a tiny random Llama with LoRA and rsLoRA adapters
made by peft, loaded through the registry exactly as a user's hub models would be."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import torch

from lorabench.backends.base import BackendContext, Generation
from lorabench.backends.hf import TransformersBackend
from lorabench.models.registry import Registry, build_backend
from lorabench.models.sources import ModelSourceError
from lorabench.run.generation import ModelRun
from tests.conftest import SMALL_SET
from tests.tiny_llama import LORA_ALPHA, LORA_R, TinyModels, build_adapter, models_file

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
DETERMINISTIC = [case for case in SMALL_SET if not case["category"].startswith("judge")]


@pytest.fixture(scope="module")
def registry(tiny: TinyModels, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return Registry.load(models_file(tmp_path_factory.mktemp("registry") / "tiny.toml", tiny))


def _backend(registry: Registry, name: str, cache_dir: Path) -> TransformersBackend:
    backend = build_backend(registry.resolve(name), BackendContext(cache_dir))
    assert isinstance(backend, TransformersBackend)
    return backend


def _answers(registry: Registry, name: str, cache_dir: Path) -> dict[str, Generation]:
    spec = registry.resolve(name)
    backend = _backend(registry, name, cache_dir)
    run = ModelRun(backend, None, DETERMINISTIC, 4, show_progress=False, limits=spec.max_new_tokens)
    run.generate_all()
    backend.close()
    return run.answers


def _lora_scalings(model: torch.nn.Module) -> set[float]:
    from peft.tuners.lora import LoraLayer

    return {module.scaling["default"] for module in model.modules() if isinstance(module, LoraLayer)}


def test_adapters_change_outputs_and_merging_keeps_them(registry: Registry, tmp_path: Path) -> None:
    base = _answers(registry, "tiny-base", tmp_path)
    lora = _answers(registry, "tiny-lora", tmp_path)
    rslora = _answers(registry, "tiny-rslora", tmp_path)
    merged = _answers(registry, "tiny-rslora-merged", tmp_path)
    assert all(answer.completion_tokens > 0 for answer in base.values())
    assert sum(lora[i].text != base[i].text for i in base) >= 3, "a LoRA adapter must change the outputs"
    # Same A and B matrices, only the scaling differs: outputs differ only if use_rslora is honoured.
    assert sum(rslora[i].text != lora[i].text for i in base) >= 3
    assert {i: merged[i].text for i in base} == {i: rslora[i].text for i in base}


def test_rslora_scaling_is_alpha_over_sqrt_r(registry: Registry, tmp_path: Path) -> None:
    lora = _backend(registry, "tiny-lora", tmp_path).load_model()
    rslora = _backend(registry, "tiny-rslora", tmp_path).load_model()
    assert _lora_scalings(lora) == {LORA_ALPHA / LORA_R}
    (rslora_scaling,) = _lora_scalings(rslora)
    assert math.isclose(rslora_scaling, LORA_ALPHA / math.sqrt(LORA_R))
    assert rslora.peft_config["default"].r == LORA_R and rslora.peft_config["default"].use_rslora


def test_identity_follows_the_files_not_the_name(tiny: TinyModels, registry: Registry, tmp_path: Path) -> None:
    def identity(name: str) -> str:
        return _backend(registry, name, tmp_path).identity_hash()

    assert identity("tiny-lora") == identity("tiny-lora-renamed"), "a new name alone reuses the cache"
    assert identity("tiny-lora") != identity("tiny-base") != identity("tiny-rslora")
    before = identity("tiny-lora")
    shutil.copy(tiny.other_lora / "adapter_model.safetensors", tiny.lora / "adapter_model.safetensors")
    try:
        assert identity("tiny-lora") != before, "changed adapter weights must not reuse cached answers"
    finally:
        build_adapter(tiny.lora, tiny.base, seed=1, use_rslora=False)
    assert identity("tiny-lora") == before
    described = _backend(registry, "tiny-lora", tmp_path).identity()
    assert set(described["adapter"]) == {"adapter_model.safetensors", "adapter_config.json"}
    assert "peft" in described["libraries"] and described["quantization"] == "none"


def test_4bit_without_cuda_is_one_clear_line(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(ModelSourceError) as raised:
        _backend(registry, "tiny-4bit", tmp_path).load_model()
    message = str(raised.value)
    assert message.startswith("model tiny-4bit:") and "needs a CUDA GPU" in message and "\n" not in message


def test_prequantized_checkpoint_without_cuda_is_one_clear_line(tiny: TinyModels, tmp_path: Path) -> None:
    """unsloth's *-bnb-4bit checkpoints declare bitsandbytes in config.json, even with quantization unset."""
    checkpoint = tmp_path / "Llama-3.2-3B-Instruct-bnb-4bit"
    shutil.copytree(tiny.base, checkpoint)
    config = json.loads((checkpoint / "config.json").read_text())
    config["quantization_config"] = {"quant_method": "bitsandbytes", "load_in_4bit": True}
    (checkpoint / "config.json").write_text(json.dumps(config))
    spec = Registry.load().resolve(str(checkpoint))
    backend = build_backend(spec, BackendContext(tmp_path))
    assert backend.availability() == (False, f"local {checkpoint}; needs CUDA for bnb-4bit")
    with pytest.raises(ModelSourceError, match=r"bitsandbytes 4-bit, which needs a CUDA GPU"):
        backend.load_model()


def test_unsloth_without_gpu_fails_clearly(registry: Registry, tmp_path: Path) -> None:
    backend = build_backend(registry.resolve("tiny-unsloth"), BackendContext(tmp_path))
    available, why = backend.availability()
    assert not available and "unsloth needs a CUDA GPU" in why
    with pytest.raises(ModelSourceError, match=r"^model tiny-unsloth: the unsloth backend needs a CUDA GPU"):
        backend.load_model()


def test_missing_hub_model_fails_at_once_naming_the_fetch_command(
    pytester: pytest.Pytester, tmp_path: Path, bench_args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf-home"))
    registry_file = tmp_path / "hub.toml"
    registry_file.write_text('[far-away]\nbackend = "transformers"\nbase = "nobody/not-downloaded"\n')
    result = pytester.runpytest(*bench_args, f"--models-file={registry_file}", "--model=far-away", "-m", "math")
    assert result.ret == 3, result.stdout.str()
    lines = [line for line in result.stdout.lines + result.stderr.lines if "nobody/not-downloaded" in line]
    assert len(lines) == 1 and "model far-away: base nobody/not-downloaded is not in the local" in lines[0]
    assert "`hf download nobody/not-downloaded`" in lines[0]


def test_adapter_directory_as_model_next_to_its_base(
    pytester: pytest.Pytester, tiny: TinyModels, tmp_path: Path, bench_args: list[str]
) -> None:
    registry_file = models_file(tmp_path / "tiny.toml", tiny)
    common = [*bench_args, f"--models-file={registry_file}", "-m", "not judge"]
    result = pytester.runpytest(*common, f"--model={tiny.lora}", "--model=tiny-base")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 10, result.stdout.str()
    by_path = json.loads((tmp_path / "reports" / "tiny-lora.json").read_text())
    base = json.loads((tmp_path / "reports" / "tiny-base.json").read_text())
    assert by_path["model"]["registry_entry"] == {
        "backend": "transformers",
        "base": str(tiny.base),
        "adapter": str(tiny.lora),
        "dtype": "auto",
        "quantization": "none",
        "source": "path",
    }
    assert by_path["model"]["identity_sha256"] != base["model"]["identity_sha256"]
    assert by_path["model"]["adapter_effect"]["max_logit_difference"] > 0.01, "the load-time check, reported"
    assert base["model"]["adapter_effect"] is None
    registered = _backend(Registry.load(registry_file), "tiny-lora", tmp_path).identity_hash()
    assert by_path["model"]["identity_sha256"] == registered, "the same files, however they were named"


def test_renamed_entry_reuses_the_cached_answers(
    pytester: pytest.Pytester, tiny: TinyModels, tmp_path: Path, bench_args: list[str]
) -> None:
    registry_file = models_file(tmp_path / "tiny.toml", tiny)
    common = [*bench_args, f"--models-file={registry_file}", "-m", "not judge"]
    first = pytester.runpytest(*common, "--model=tiny-lora")
    renamed = pytester.runpytest(*common, "--model=tiny-lora-renamed")
    assert renamed.parseoutcomes() == first.parseoutcomes()
    before = json.loads((tmp_path / "reports" / "tiny-lora.json").read_text())
    again = json.loads((tmp_path / "reports" / "tiny-lora-renamed.json").read_text())
    assert before["model"]["loaded"] is True
    assert again["model"]["loaded"] is False and all(case["from_cache"] for case in again["cases"])
    assert [case["output"] for case in again["cases"]] == [case["output"] for case in before["cases"]]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without CUDA")
@pytest.mark.parametrize("name", ["rslora", "rslora-unsloth"])
def test_4bit_hub_model_without_cuda_fails_before_any_download(name: str, tmp_path: Path) -> None:
    backend = build_backend(Registry.load().resolve(name), BackendContext(tmp_path))
    with pytest.raises(ModelSourceError, match=rf"^model {name}: .*needs a CUDA GPU") as raised:
        backend.identity()
    assert "Hugging Face cache" not in str(raised.value)


def test_a_chat_answer_streams_in_pieces_and_greedy_matches_generate(registry: Registry, tmp_path: Path) -> None:
    backend = _backend(registry, "tiny-lora", tmp_path)
    messages = [{"role": "user", "content": "Say something."}]
    pieces = list(backend.stream_chat(messages, max_tokens=40, temperature=0.0))
    assert len(pieces) > 1, pieces
    model, tokenizer = backend._load(), backend.tokenizer
    encoded = tokenizer(backend.render(messages, None), return_tensors="pt", add_special_tokens=False)
    ends = sorted(backend._end_token_ids(model))
    tokens = model.generate(**encoded, max_new_tokens=40, do_sample=False, eos_token_id=ends)[0]
    expected = tokenizer.decode(tokens[encoded["input_ids"].shape[1] :], skip_special_tokens=True)
    assert "".join(pieces) == expected
    torch.manual_seed(3)
    sampled = "".join(backend.stream_chat(messages, max_tokens=40, temperature=1.5))
    torch.manual_seed(3)
    assert "".join(backend.stream_chat(messages, max_tokens=40, temperature=1.5)) == sampled, "seeded sampling"
    assert sampled != expected, "a temperature above 0 samples"
    backend.close()


def test_a_failure_while_streaming_reaches_the_reader(registry: Registry, tmp_path: Path, monkeypatch) -> None:
    backend = _backend(registry, "tiny-lora", tmp_path)
    model = backend._load()

    def broken(**_: object) -> None:
        raise RuntimeError("out of memory")

    monkeypatch.setattr(model, "generate", broken)
    with pytest.raises(RuntimeError, match="out of memory"):
        list(backend.stream_chat([{"role": "user", "content": "Hi"}], 8, 0.0))


def test_an_adapter_that_changes_the_logits_is_loaded_and_its_effect_recorded(
    registry: Registry, tmp_path: Path
) -> None:
    backend = _backend(registry, "tiny-lora", tmp_path)
    backend.load_model()
    effect = backend.adapter_effect
    assert effect is not None and effect["prompts"] == 3 and effect["max_logit_difference"] > 0.01
    base = _backend(registry, "tiny-base", tmp_path)
    base.load_model()
    assert base.adapter_effect is None, "no adapter, no check"


@pytest.mark.parametrize("name", ["tiny-lora-zero", "tiny-lora-zero-merged"])
def test_an_untrained_adapter_is_refused_at_load_in_one_line(registry: Registry, tmp_path: Path, name: str) -> None:
    """peft's default initialisation sets B = 0: the adapter is the base model under another name. With
    merge_adapter the check runs before merging (after it there is no adapter left to disable)."""
    with pytest.raises(ModelSourceError) as raised:
        _backend(registry, name, tmp_path).load_model()
    message = str(raised.value)
    assert message.startswith(f"model {name}: adapter ") and "changes no logit" in message and "\n" not in message


@pytest.mark.filterwarnings("ignore:Found missing adapter keys")
def test_an_adapter_whose_weights_match_no_layer_is_refused(tiny: TinyModels, tmp_path: Path) -> None:
    """Weights saved under other module names load as nothing: peft warns, keeps B = 0, the adapter is inert."""
    from safetensors.torch import load_file, save_file

    from lorabench.models.spec import ModelSpec

    adapters = {}
    for kind in ("renamed", "intact"):
        adapter = shutil.copytree(tiny.lora, tmp_path / kind)
        config = json.loads((adapter / "adapter_config.json").read_text())
        (adapter / "adapter_config.json").write_text(json.dumps(config | {"init_lora_weights": True}))
        if kind == "renamed":
            weights = load_file(adapter / "adapter_model.safetensors")
            renamed = {key.replace(".layers.", ".blocks."): value for key, value in weights.items()}
            save_file(renamed, adapter / "adapter_model.safetensors")
        spec = ModelSpec(name=f"tiny-{kind}", backend="transformers", base=str(tiny.base), adapter=str(adapter))
        adapters[kind] = TransformersBackend(spec, BackendContext(tmp_path))
    adapters["intact"].load_model()
    assert adapters["intact"].adapter_effect["max_logit_difference"] > 0.01
    with pytest.raises(ModelSourceError, match=r"^model tiny-renamed: adapter .* changes no logit"):
        adapters["renamed"].load_model()
