"""Serving registry models: the vLLM command with the adapters as LoRA modules (printed only: vLLM needs
CUDA), and llama.cpp's server started for real on loopback and used through the entries it prints."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from chat.serve import main
from lorabench.backends.base import BackendContext
from lorabench.models.registry import Registry, build_backend
from tests.conftest import REPO, free_port


def _entries(text: str, tmp_path: Path) -> Registry:
    toml = text.split("# command:")[0]
    (tmp_path / "served.toml").write_text(toml, encoding="utf-8")
    return Registry.load(tmp_path / "served.toml")


def test_vllm_serves_the_base_and_every_adapter_on_it(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["vllm", "--base", "llama-3.2-3b", "--port", "8123", "--print"]) == 0
    out = capsys.readouterr().out
    command = out.split("# command: ")[1].split()
    assert command[:3] == ["vllm", "serve", "unsloth/Llama-3.2-3B-Instruct-bnb-4bit"]
    assert "--enable-lora" in command and "--quantization" in command
    modules = command[command.index("--lora-modules") + 1 :]
    assert modules == [
        "lora=hellstone1918/Llama-3.2-3B-basic-lora-model",
        "rslora=hellstone1918/Llama-3.2-3B-rslora-model",
        "finance=hellstone1918/Llama-3.2-3B-finance-lora-model-v6",
    ]
    registry = _entries(out, tmp_path)
    spec = registry.resolve("rslora-served")
    assert (spec.backend, spec.options["url"], spec.options["served_model"]) == (
        "openai",
        "http://127.0.0.1:8123/v1",
        "rslora",
    )


def test_bad_requests_are_one_line(capsys: pytest.CaptureFixture) -> None:
    assert main(["vllm", "--base", "smollm2-gguf", "--print"]) == 2
    assert "vLLM serves transformers entries with a base" in capsys.readouterr().err
    assert main(["vllm", "--base", "nope", "--print"]) == 2
    assert "--base 'nope' is not a known model" in capsys.readouterr().err
    if __import__("importlib").util.find_spec("vllm") is None:
        assert main(["vllm", "--base", "llama-3.2-3b"]) == 2
        assert capsys.readouterr().err == "serve: vllm is not installed here (pip install vllm, on a CUDA machine)\n"


@pytest.mark.slow
def test_the_llama_cpp_server_answers_through_the_printed_entry(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is in requirements-dev.txt")
    port = free_port()
    command = [sys.executable, "-m", "chat.serve", "llama-cpp", "--model", "smollm2-gguf", "--port", str(port)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        printed = ""
        while "# command:" not in printed:
            printed += process.stdout.readline()
        backend = build_backend(_entries(printed, tmp_path).resolve("smollm2-gguf-served"), BackendContext(tmp_path))
        for _ in range(120):
            try:
                pieces = list(backend.stream_chat([{"role": "user", "content": "Say hello."}], 12, 0.0))
                break
            except Exception:
                assert process.poll() is None, "the server exited"
                time.sleep(0.5)
        assert "".join(pieces).strip(), pieces
    finally:
        process.terminate()
        process.wait(timeout=30)
