"""The vllm backend on CPU, with a fake `vllm` package (tests.fake_vllm): registry entries to one engine and
its LoRA requests, one submission for a base and its adapters, identity, caching, and the one-line errors."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import sys
from pathlib import Path

import pytest

from lorabench.backends.base import BackendContext
from lorabench.backends.vllm_engine import VllmSetupError
from lorabench.models.registry import Registry, build_backend
from lorabench.run.cases import CATEGORIES
from lorabench.run.generation import ModelRun
from lorabench.run.session import BenchmarkSession
from lorabench.run.settings import Settings
from tests import fake_vllm
from tests.conftest import SMALL_SET, write_cases
from tests.tiny_llama import LORA_ALPHA, LORA_R, TinyModels

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
LIMITS = "max_new_tokens = { math = 6, mcq = 6, function_calling = 6, situational = 6, judge_finetome = 6 }"
NAMES = ["tiny-vllm", "tiny-lora-vllm", "tiny-rslora-vllm"]


@pytest.fixture
def vllm(monkeypatch: pytest.MonkeyPatch) -> fake_vllm.Recorder:
    return fake_vllm.install(monkeypatch)


def write_models(path: Path, tiny: TinyModels, extra: str = "") -> Path:
    entries = {"tiny-vllm": None, "tiny-lora-vllm": tiny.lora, "tiny-rslora-vllm": tiny.rslora}
    lines = []
    for name, adapter in entries.items():
        lines += [f"[{name}]", 'backend = "vllm"', f'base = "{tiny.base}"', LIMITS]
        lines += [f'adapter = "{adapter}"'] if adapter else []
    lines += ['["tiny-hf"]', 'backend = "transformers"', f'base = "{tiny.base}"', LIMITS]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


@pytest.fixture
def registry(tiny: TinyModels, tmp_path: Path) -> Registry:
    return Registry.load(write_models(tmp_path / "models.toml", tiny))


def session_for(registry: Registry, names: list[str], tmp_path: Path) -> BenchmarkSession:
    settings = Settings(write_cases(tmp_path / "cases", SMALL_SET), tmp_path / "cache", tmp_path / "reports")
    settings.show_progress = False
    session = BenchmarkSession(settings, [registry.resolve(name) for name in names])
    deterministic = [c for c in SMALL_SET if not c["category"].startswith("judge")]
    session.select([(name, case) for name in names for case in deterministic])
    return session


def answers(session: BenchmarkSession, name: str) -> dict[str, str]:
    bench = session.bench(name)
    run = bench.model_run()
    return {case["id"]: run.answer(case).text for case in bench.selected}


def test_base_and_adapters_share_one_engine_and_one_submission(vllm, registry: Registry, tmp_path: Path) -> None:
    session = session_for(registry, NAMES, tmp_path)
    first = answers(session, "tiny-lora-vllm")
    assert len(vllm.engines) == 1 and len(vllm.calls) == 1, "one engine load, one generate call for all three"
    engine, call = vllm.engines[0], vllm.calls[0]
    assert engine.arguments["enable_lora"] and engine.arguments["max_loras"] == 2
    assert engine.arguments["max_lora_rank"] == LORA_R and engine.arguments["skip_tokenizer_init"]
    cases = len(first)
    assert len(call["prompts"]) == 3 * cases
    adapters = [lora.lora_path if lora else None for lora in call["loras"]]
    tiny = registry.resolve("tiny-lora-vllm").adapter, registry.resolve("tiny-rslora-vllm").adapter
    assert sorted(adapters, key=str) == sorted([None] * cases + [tiny[0]] * cases + [tiny[1]] * cases, key=str)
    assert {params.temperature for params in call["sampling"]} == {0.0}
    assert {params.max_tokens for params in call["sampling"]} == {6}
    others = answers(session, "tiny-vllm"), answers(session, "tiny-rslora-vllm")
    assert len(vllm.calls) == 1, "the other models' answers came from the same pass"
    assert first != others[0] != others[1] != first, "each model got its own adapter's answers"
    session.close()
    assert engine.shut_down


def test_prompts_are_the_rendered_token_ids_and_answers_stop_at_end_of_turn(
    vllm, registry: Registry, tmp_path: Path
) -> None:
    backend = build_backend(registry.resolve("tiny-vllm"), BackendContext(tmp_path))
    session = session_for(registry, ["tiny-vllm"], tmp_path)
    run = session.bench("tiny-vllm").model_run()
    case = SMALL_SET[0]
    generation = run.answer(case)
    prompt = vllm.calls[0]["prompts"][[c["id"] for c in run.selected.values()].index(case["id"])]
    tokenizer = backend.tokenizer
    assert prompt["prompt_token_ids"] == tokenizer(run.request_for(case).prompt, add_special_tokens=False)["input_ids"]
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert end in vllm.calls[0]["sampling"][0].stop_token_ids
    expected = [*prompt["prompt_token_ids"][-3:], fake_vllm.ADAPTER_TOKEN]
    assert generation.text == tokenizer.decode(expected, skip_special_tokens=True, clean_up_tokenization_spaces=False)
    assert (generation.finish_reason, generation.completion_tokens) == ("stop", 4)


def test_answers_are_cached_per_model_and_a_rerun_loads_nothing(vllm, registry: Registry, tmp_path: Path) -> None:
    session = session_for(registry, NAMES, tmp_path)
    before = {name: answers(session, name) for name in NAMES}
    session.close()
    again = session_for(registry, NAMES, tmp_path)
    after = {name: answers(again, name) for name in NAMES}
    again.close()
    assert after == before and len(vllm.engines) == 1, "all answers came from the cache"
    only_one = session_for(registry, ["tiny-rslora-vllm"], tmp_path)
    assert answers(only_one, "tiny-rslora-vllm") == before["tiny-rslora-vllm"]  # same keys alone as together
    assert len(vllm.engines) == 1


def test_a_partly_cached_run_submits_only_the_missing_answers(vllm, registry: Registry, tmp_path: Path) -> None:
    answers(session_for(registry, ["tiny-lora-vllm"], tmp_path), "tiny-lora-vllm")
    session = session_for(registry, NAMES, tmp_path)
    answers(session, "tiny-vllm")
    loras = [lora.lora_name if lora else None for lora in vllm.calls[-1]["loras"]]
    assert set(loras) == {None, "tiny-rslora-vllm"}, "the cached LoRA model's prompts were not sent again"


def test_identity_holds_weights_adapter_and_vllm_version(
    vllm, registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def build(name: str) -> str:
        return build_backend(registry.resolve(name), BackendContext(tmp_path)).identity_hash()

    identity = build_backend(registry.resolve("tiny-lora-vllm"), BackendContext(tmp_path)).identity()
    assert identity["backend"] == "vllm" and identity["adapter"] and identity["weights"]
    assert len({build(name) for name in NAMES}) == 3
    transformers = build_backend(registry.resolve("tiny-hf"), BackendContext(tmp_path))
    assert build("tiny-vllm") != transformers.identity_hash()
    real_version = importlib.metadata.version

    def version(package: str) -> str:
        return "9.9.9" if package == "vllm" else real_version(package)

    before = build("tiny-lora-vllm")
    monkeypatch.setattr(importlib.metadata, "version", version)
    assert build("tiny-lora-vllm") != before, "another vLLM version must not reuse cached answers"


def test_an_engine_that_would_scale_rslora_by_alpha_over_r_stops_the_run(
    vllm, registry: Registry, tmp_path: Path
) -> None:
    vllm.rslora_as_lora = True
    with pytest.raises(VllmSetupError, match=r"model tiny-rslora-vllm: vLLM would scale .* by 0\.5, not alpha/sqrt"):
        answers(session_for(registry, NAMES, tmp_path), "tiny-vllm")
    assert not vllm.engines, "nothing was loaded"
    vllm.rslora_as_lora = False
    assert answers(session_for(registry, NAMES, tmp_path), "tiny-vllm")
    helper = fake_vllm.PEFTHelper.from_dict({"r": LORA_R, "lora_alpha": LORA_ALPHA, "use_rslora": True})
    assert helper.vllm_lora_scaling_factor == LORA_ALPHA / LORA_R**0.5


def test_an_engine_without_the_peft_helper_stops_an_adapter_run(
    vllm, registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_vllm.remove_peft_helper(monkeypatch)
    with pytest.raises(VllmSetupError, match=r"no vllm\.lora\.peft_helper.*vLLM 0\.7 or newer"):
        answers(session_for(registry, ["tiny-rslora-vllm"], tmp_path), "tiny-rslora-vllm")


def test_adapter_rank_over_max_lora_rank_is_one_line(vllm, tiny: TinyModels, tmp_path: Path) -> None:
    models = write_models(tmp_path / "models.toml", tiny)
    entry = '[tiny-vllm]\nbackend = "vllm"'
    models.write_text(models.read_text().replace(entry, f"{entry}\nmax_lora_rank = 8"))
    registry = Registry.load(models)
    with pytest.raises(
        VllmSetupError,
        match="model tiny-vllm: an adapter on this base has rank 16, over max_lora_rank 8",
    ):
        answers(session_for(registry, NAMES, tmp_path), "tiny-vllm")


def test_different_engine_keys_get_their_own_engines(vllm, tiny: TinyModels, tmp_path: Path) -> None:
    extra = f'[tiny-vllm-tp2]\nbackend = "vllm"\nbase = "{tiny.base}"\ntensor_parallel_size = 2\n{LIMITS}\n'
    registry = Registry.load(write_models(tmp_path / "models.toml", tiny, extra))
    session = session_for(registry, ["tiny-vllm", "tiny-vllm-tp2"], tmp_path)
    answers(session, "tiny-vllm")
    assert len(vllm.engines) == 1 and "enable_lora" not in vllm.engines[0].arguments
    answers(session, "tiny-vllm-tp2")
    assert len(vllm.engines) == 2 and vllm.engines[1].arguments["tensor_parallel_size"] == 2


def test_an_entry_alone_gets_an_engine_without_lora_as_the_judge_does(vllm, registry: Registry, tmp_path: Path) -> None:
    """The judge's path: a backend built outside any run (no peers), answering through generate_stream."""
    backend = build_backend(registry.resolve("tiny-vllm"), BackendContext(tmp_path))
    deterministic = [c for c in SMALL_SET if not c["category"].startswith("judge")]
    run = ModelRun(backend, None, deterministic, None, False, {c: 6 for c in CATEGORIES})
    run.generate_all()
    assert len(run.answers) == len(deterministic) and len(vllm.calls) == 1
    assert "enable_lora" not in vllm.engines[0].arguments and set(vllm.calls[0]["loras"]) == {None}
    backend.close()
    assert vllm.engines[0].shut_down


def test_missing_vllm_is_one_line(registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)
    session = session_for(registry, ["tiny-vllm"], tmp_path)
    with pytest.raises(VllmSetupError, match=r"^model tiny-vllm: the vllm backend needs vLLM, which is not installed"):
        answers(session, "tiny-vllm")
    ok, where = build_backend(registry.resolve("tiny-vllm"), BackendContext(tmp_path)).availability()
    assert not ok and "vLLM is not installed" in where


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("tensor_parallel_size = 0", "tensor_parallel_size must be at least 1"),
        ('tensor_parallel_size = "2"', "tensor_parallel_size must be a int"),
        ("gpu_memory_utilization = 1.5", "gpu_memory_utilization is a share"),
        ("n_ctx = 4", "unknown key 'n_ctx' for backend vllm"),
    ],
)
def test_bad_vllm_keys_name_the_file_entry_and_key(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'[x]\nbackend = "vllm"\nbase = "a/b"\n{line}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=f"{path}: model 'x': {message}"):
        Registry.load(path)


def test_the_command_line_run_loads_one_engine_for_three_models(
    vllm, pytester: pytest.Pytester, bench_args: list[str], tiny: TinyModels, tmp_path: Path
) -> None:
    models = write_models(tmp_path / "cli-models.toml", tiny)
    args = [f"--models-file={models}", *(f"--model={name}" for name in NAMES), "-m", "not judge"]
    result = pytester.runpytest(*bench_args, *args)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 3 * 5, result.stdout.str()[-2000:]
    assert len(vllm.engines) == 1 and len(vllm.calls) == 1
    assert len(vllm.calls[0]["prompts"]) == 3 * 5
    for name in NAMES:
        report = json.loads((tmp_path / "reports" / f"{name}.json").read_text(encoding="utf-8"))
        assert report["model"]["backend"] == "vllm" and len(report["cases"]) == 5 and report["model"]["loaded"]
    shutil.rmtree(tmp_path / "reports")


def test_vllm_installs_into_the_harness_environment() -> None:
    """requirements-vllm.txt goes into the same environment as requirements.txt: it must not move torch, and
    its transformers range must meet ours (vllm 0.32.0 needs >= 5.16.1; unsloth and we allow <= 5.17.0)."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    def requirements(path: Path) -> dict[str, Requirement]:
        lines = [line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
        return {(r := Requirement(line)).name.lower(): r for line in lines if line and not line.startswith("-")}

    repo = Path(__file__).resolve().parent.parent
    ours, vllm = requirements(repo / "requirements.txt"), requirements(repo / "requirements-vllm.txt")
    assert "torch" not in vllm and str(vllm["vllm"].specifier) == "==0.32.0"
    candidates = [f"5.{minor}.{patch}" for minor in range(15, 25) for patch in range(3)]
    common = [v for v in candidates if v in ours["transformers"].specifier and v in vllm["transformers"].specifier]
    assert common and all(Version(v) >= Version("5.16.1") for v in common)
