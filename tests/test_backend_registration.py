"""Backends register themselves with @register_backend, declaring the registry keys they accept; the
registry checks entries against that and builds backends from it; none of this imports a heavy library."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lorabench.backends import registration
from lorabench.backends.base import Backend, BackendContext, Generation, GenerationParams, Request, stream_by_batch
from lorabench.backends.registration import BackendRegistrationError, register_backend, registered_backends
from lorabench.models.registry import Registry, build_backend
from lorabench.models.spec import RegistryError
from lorabench.run.prompting import Message, Tools

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformers", "peft", "vllm", "llama_cpp", "unsloth", "bitsandbytes")


@pytest.fixture
def toy_registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Backend]]:
    """A toy backend registered under "toy" for one test; the shipped table is restored after it."""
    monkeypatch.setattr(registration, "REGISTERED", dict(registered_backends()))

    @register_backend("toy", keys={"greeting"})
    class ToyBackend(Backend):
        def identity(self) -> dict[str, Any]:
            return {"backend": self.name}

        def render(self, messages: list[Message], tools: Tools | None) -> str:
            return json.dumps(messages)

        def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
            return stream_by_batch(requests, batch_size, self._answer_batch)

        def _answer_batch(self, batch: list[Request]) -> list[Generation]:
            greeting = self.spec.options.get("greeting", "hello")
            return [Generation(f"{greeting} {request.case['id']}", 0, 1, 0.0, "stop") for request in batch]

    yield ToyBackend


def test_a_registered_backend_serves_entries_that_use_its_keys(toy_registered: type[Backend], tmp_path: Path) -> None:
    user = tmp_path / "toy.toml"
    user.write_text('[friendly]\nbackend = "toy"\ngreeting = "hi"\n')
    spec = Registry.load(user).resolve("friendly")
    backend = build_backend(spec, BackendContext(tmp_path))
    assert type(backend) is toy_registered and backend.name == "toy"
    assert toy_registered.registry_keys == {"greeting"} and spec.options == {"greeting": "hi"}


def test_a_key_the_backend_did_not_declare_is_one_line_naming_file_model_and_key(
    toy_registered: type[Backend], tmp_path: Path
) -> None:
    user = tmp_path / "toy.toml"
    user.write_text('[friendly]\nbackend = "toy"\nurl = "http://127.0.0.1:9/v1"\n')
    with pytest.raises(RegistryError) as raised:
        Registry.load(user)
    message = str(raised.value)
    assert message.startswith(f"{user}: model 'friendly': unknown key 'url' for backend toy (known: ")
    assert "greeting" in message and "\n" not in message


def test_an_unknown_backend_lists_the_registered_ones_in_order(toy_registered: type[Backend], tmp_path: Path) -> None:
    user = tmp_path / "toy.toml"
    user.write_text('[m]\nbackend = "tensorrt"\n')
    with pytest.raises(RegistryError, match=r"backend must be one of transformers, unsloth, llama.cpp, .*vllm, toy,"):
        Registry.load(user)


def test_every_shipped_backend_declares_the_keys_its_entries_use() -> None:
    backends = registered_backends()
    assert list(backends) == [
        *("transformers", "unsloth", "llama.cpp", "openai", "oracle", "oracle-shuffled", "scripted", "vllm")
    ]
    assert backends["llama.cpp"].registry_keys >= {"n_ctx", "n_threads", "n_gpu_layers", "gguf"}
    assert backends["openai"].registry_keys >= {"url", "served_model", "api_key_env", "concurrency"}
    assert backends["vllm"].registry_keys >= {"tensor_parallel_size", "gpu_memory_utilization", "max_lora_rank"}
    assert "merge_adapter" in backends["transformers"].registry_keys
    assert "merge_adapter" not in backends["unsloth"].registry_keys and backends["oracle"].registry_keys == set()
    for name, backend_class in backends.items():
        assert backend_class.name == name


def test_a_name_claimed_by_two_classes_is_refused(toy_registered: type[Backend]) -> None:
    with pytest.raises(BackendRegistrationError, match=r"backend 'toy' is registered twice: .*ToyBackend and .*Other"):

        @register_backend("toy")
        class Other(toy_registered):  # type: ignore[valid-type, misc]
            pass


def test_generate_gives_the_streamed_answers_in_the_order_asked(toy_registered: type[Backend], tmp_path: Path) -> None:
    class BackwardsBackend(toy_registered):  # type: ignore[valid-type, misc]
        """Finishes its requests last to first, as a decoder may."""

        def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
            for request in reversed(requests):
                yield request, Generation(request.case["id"], 0, 1, 0.0, "stop")

    backend = BackwardsBackend(Registry.load().resolve("oracle"), BackendContext(tmp_path))
    requests = [Request({"id": f"c{n}"}, [], None, "p" * n, GenerationParams(8)) for n in range(3)]
    assert [answer.text for answer in backend.generate(requests)] == ["c0", "c1", "c2"]
    assert backend.generate([]) == []


def test_vllm_checks_its_own_values_with_one_line(tmp_path: Path) -> None:
    user = tmp_path / "v.toml"
    for value, says in (
        ("0", "tensor_parallel_size must be at least 1"),
        ('"2"', "tensor_parallel_size must be a int"),
    ):
        user.write_text(f'[v]\nbackend = "vllm"\nbase = "x/y"\ntensor_parallel_size = {value}\n')
        with pytest.raises(RegistryError, match=rf"^{user}: model 'v': {says}"):
            Registry.load(user)
    user.write_text('[v]\nbackend = "vllm"\nbase = "x/y"\ngpu_memory_utilization = 1.5\n')
    with pytest.raises(RegistryError, match=r"gpu_memory_utilization is a share of the GPU's memory, at most 1"):
        Registry.load(user)


def _heavy_modules_after(code: str) -> list[str]:
    """The heavy libraries a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    finished = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_importing_the_registry_and_every_backend_imports_no_heavy_library(tmp_path: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from lorabench.backends.base import BackendContext\n"
        "from lorabench.models.registry import Registry, build_backend\n"
        "from lorabench.backends.registration import registered_backends\n"
        "assert len(registered_backends()) == 8\n"
        "for spec in Registry.load().specs.values():\n"
        f"    build_backend(spec, BackendContext(Path({str(tmp_path)!r})))\n"
    )
    assert _heavy_modules_after(code) == []


@pytest.mark.skipif(sys.platform != "linux", reason="GPU device files are read on Linux only")
def test_listing_models_on_a_machine_without_a_gpu_imports_no_heavy_library(tmp_path: Path) -> None:
    """Where no GPU device shows, whether CUDA is available is answered without asking torch."""
    code = (
        "from pathlib import Path\n"
        "from lorabench.backends import hf_loading\n"
        "hf_loading.GPU_DEVICE_PATTERNS = ()\n"
        "from lorabench.models.listing import model_table\n"
        "from lorabench.models.registry import Registry\n"
        f"lines = model_table(Registry.load(), Path({str(tmp_path)!r}))\n"
        "assert any('unsloth needs a CUDA GPU' in line for line in lines)\n"
        "assert any('needs CUDA for bnb-4bit' in line for line in lines)\n"
    )
    assert _heavy_modules_after(code) == []
