"""Training: presets, formatting with responses-only masks, data adapters and held-out rows, and a
3-step CPU run on a tiny random Llama whose adapter loads through the benchmark registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch  # noqa: F401 - imported before pytester snapshots sys.modules: numpy cannot be loaded twice

from lorabench.backends.base import BackendContext
from lorabench.models.registry import Registry, build_backend
from lorabench.run.generation import ModelRun
from tests.conftest import SMALL_SET
from tests.tiny_llama import build_base, smollm2_tokenizer
from training.__main__ import main as train_main
from training.__main__ import training_rows
from training.config import LLAMA_TARGETS, ConfigError, build_config
from training.data import DataSourceError, conversations, keep_finance_row, load_rows, sample_id
from training.formatting import tokenize_conversation

CHAT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is 2 + 2?"},
    {"role": "assistant", "content": "Answer: 4"},
    {"role": "user", "content": "And 3 + 3?"},
    {"role": "assistant", "content": "Answer: 6"},
]


@pytest.fixture(scope="module")
def tokenizer():
    return smollm2_tokenizer()


def test_presets_carry_the_seed_projects_values() -> None:
    lora, rslora, finance = (build_config(name, []) for name in ("lora", "rslora", "finance"))
    assert (lora.base, lora.r, lora.lora_alpha, lora.use_rslora) == (
        "unsloth/Llama-3.2-3B-Instruct-bnb-4bit",
        32,
        32,
        False,
    )
    assert (lora.per_device_train_batch_size, lora.gradient_accumulation_steps, lora.warmup_steps) == (2, 16, 150)
    assert (lora.max_steps, lora.learning_rate, lora.seed, lora.weight_decay) == (5000, 2e-4, 3407, 0.01)
    assert (lora.optim, lora.lr_scheduler_type, lora.packing, lora.max_seq_length) == (
        "adamw_8bit",
        "linear",
        False,
        2048,
    )
    assert lora.target_modules == LLAMA_TARGETS and (lora.lora_dropout, lora.bias) == (0.0, "none")
    assert rslora.use_rslora and {
        k: v for k, v in rslora.to_dict().items() if k not in ("use_rslora", "output_dir")
    } == {k: v for k, v in lora.to_dict().items() if k not in ("use_rslora", "output_dir")}
    assert (finance.r, finance.lora_alpha, finance.per_device_train_batch_size) == (16, 16, 8)
    assert (finance.gradient_accumulation_steps, finance.warmup_steps, finance.max_steps) == (7, 162, 3250)
    assert (finance.split, finance.held_out_split, finance.shuffle_seed) == ("train[:75%]", "train[75%:]", 42)


def test_set_overrides_are_typed_and_checked() -> None:
    config = build_config("lora", ["r=8", "use_rslora=true", "max_samples=100", "target_modules=q_proj,v_proj"])
    assert (config.r, config.use_rslora, config.max_samples, config.target_modules) == (
        8,
        True,
        100,
        ("q_proj", "v_proj"),
    )
    assert build_config("lora", ["max_samples=none"]).max_samples is None
    with pytest.raises(ConfigError, match="--set rank: not a setting"):
        build_config("lora", ["rank=8"])
    with pytest.raises(ConfigError, match="--set r=eight: expected int"):
        build_config("lora", ["r=eight"])
    with pytest.raises(ConfigError, match="--preset 'qlora' is not a preset; known: lora, rslora, finance, demo"):
        build_config("qlora", [])


def test_only_assistant_tokens_carry_the_loss(tokenizer) -> None:
    example = tokenize_conversation(tokenizer, CHAT, max_length=512)
    ids, mask = example["input_ids"], example["assistant_masks"]
    trained = tokenizer.decode([token for token, bit in zip(ids, mask, strict=True) if bit])
    assert trained == "Answer: 4<|im_end|>\nAnswer: 6<|im_end|>\n"
    untrained = tokenizer.decode([token for token, bit in zip(ids, mask, strict=True) if not bit])
    assert "What is 2 + 2?" in untrained and "Be brief." in untrained and "Answer" not in untrained
    assert len(tokenize_conversation(tokenizer, CHAT, max_length=10)["input_ids"]) == 10


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_sharegpt_and_finance_rows_become_messages(tmp_path: Path) -> None:
    sharegpt = [{"conversations": [{"from": "human", "value": "Hi?"}, {"from": "gpt", "value": "Hello."}]}]
    assert conversations(load_rows(str(_write_jsonl(tmp_path / "ft.jsonl", sharegpt))), "sharegpt", False) == [
        [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]
    ]
    finance = [
        {"system": "", "user": "What is a bond?", "assistant": "A bond is a loan to an issuer that pays interest."}
    ]
    rows = load_rows(str(_write_jsonl(tmp_path / "fin.jsonl", finance)))
    assert conversations(rows, "finance", True)[0][0] == {"role": "user", "content": "What is a bond?"}


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        ("A bond is a loan to an issuer that pays interest until it matures.", True),
        ("positive", False),  # a bare label
        ("Too short.", False),
        ("Una obligación es un préstamo al emisor que paga intereses hasta su vencimiento: así funciona.", False),
        ("债券是向发行人提供的一种贷款，发行人在到期前支付利息，这是一个完整的回答。", False),
        ("x " * 1600, False),
    ],
)
def test_finance_filter(answer: str, kept: bool) -> None:
    messages = [{"role": "user", "content": "What is a bond?"}, {"role": "assistant", "content": answer}]
    assert keep_finance_row(messages) is kept


def test_held_out_rows_are_never_trained_on(tmp_path: Path) -> None:
    rows = [
        {"conversations": [{"from": "human", "value": f"Q{i}"}, {"from": "gpt", "value": f"A{i}"}]} for i in range(8)
    ]
    rows.append(rows[0])  # a duplicate across the split boundary must stay out of the held-out set
    data = _write_jsonl(tmp_path / "rows.jsonl", rows)
    config = build_config("lora", [f"dataset={data}", "split=train[:50%]", "held_out_split=train[50%:]"])
    train, held_out = training_rows(config)
    assert len(train) == 4 and len(held_out) == 4
    assert not {sample_id(m) for m in train} & {sample_id(m) for m in held_out}


def test_hub_dataset_offline_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataSourceError) as raised:
        load_rows("nobody/not-a-dataset")
    message = str(raised.value)
    assert "\n" not in message and "hf download nobody/not-a-dataset --repo-type dataset" in message


def test_three_cpu_steps_then_the_adapter_loads_in_the_benchmark(tmp_path: Path, tokenizer) -> None:
    base = build_base(tmp_path / "tiny-base", tokenizer)
    rows = [
        {
            "conversations": [
                {"from": "human", "value": f"What is {i} + {i}?"},
                {"from": "gpt", "value": f"Answer: {2 * i}"},
            ]
        }
        for i in range(12)
    ]
    data = _write_jsonl(tmp_path / "train.jsonl", rows)
    out = tmp_path / "adapter"
    settings = [f"base={base}", f"dataset={data}", f"output_dir={out}", "chat_template=model", "max_steps=3"]
    settings += ["per_device_train_batch_size=2", "gradient_accumulation_steps=1", "warmup_steps=0", "save_steps=3"]
    settings += ["max_seq_length=128", "r=4", "lora_alpha=8", "logging_steps=1"]
    registry = tmp_path / "models.toml"
    assert train_main(["--preset", "rslora", *(f"--set={s}" for s in settings), "--register", str(registry)]) == 0
    record = json.loads((out / "training_config.json").read_text())
    assert record["steps"] == 3 and record["train_samples"] == 12 and record["engine"] == "peft"
    assert record["optim_used"] == "adamw_torch" and any("adamw_8bit" in note for note in record["notes"])
    assert record["config"]["use_rslora"] and len((out / "train_sample_ids.txt").read_text().split()) == 12
    assert json.loads((out / "adapter_config.json").read_text())["base_model_name_or_path"] == str(base.resolve())

    spec = Registry.load().resolve(str(out))
    assert (spec.base, spec.adapter) == (str(base.resolve()), str(out))
    assert Registry.load(registry).resolve("adapter").adapter == str(out.resolve())
    backend = build_backend(spec, BackendContext(tmp_path / "cache"))
    model = backend.load_model()
    assert model.peft_config["default"].use_rslora and model.peft_config["default"].r == 4
    run = ModelRun(backend, None, SMALL_SET[:2], show_progress=False, limits={"math": 4})
    run.generate_all()
    assert all(answer.completion_tokens > 0 for answer in run.answers.values())

    again = [*settings[:-4], "max_steps=4", "max_seq_length=128", "r=4", "lora_alpha=8"]
    assert train_main(["--preset", "rslora", *(f"--set={s}" for s in again)]) == 0
    resumed = json.loads((out / "training_config.json").read_text())
    assert resumed["steps"] == 4 and resumed["resumed_from"].endswith("checkpoint-3")


def _check_working(text: str) -> None:
    """Every `a op b = c` step of a synthetic solution is right (the data must not teach wrong sums)."""
    import re

    steps = re.findall(r"(\d+(?:\.\d+)?)(%? of| ×| −| \+| ÷) (\d+(?:\.\d+)?) = (\d+(?:\.\d+)?)", text)
    assert steps, text
    for left, op, right, result in steps:
        a, b, c = float(left), float(right), float(result)
        expected = {"% of": a * b / 100, " ×": a * b, " −": a - b, " +": a + b, " ÷": a / b}[op]
        assert expected == c, f"{left}{op} {right} = {result} in {text!r}"


def test_demo_data_speaks_the_benchmarks_formats_without_its_cases(tmp_path: Path) -> None:
    from benchmarks.graders import grade_numeric, grade_tool_calls
    from training.contamination import contamination, load_case_list
    from training.demo_data import TOOLS, write_demo

    path = write_demo(tmp_path / "demo.jsonl", n=120, seed=1)
    chats = conversations(load_rows(str(path)), "sharegpt", False)
    tools = [tool[0] for tool in TOOLS]
    kinds = {"call": 0, "plain": 0, "math": 0}
    for system, user, reply in chats:
        if "Answer:" in reply["content"]:
            kinds["math"] += 1
            _check_working(reply["content"])
            number = float(reply["content"].rsplit("Answer:", 1)[1])
            assert grade_numeric({"id": "x", "category": "math", "answer": number}, reply["content"]).passed
            continue
        calls = json.loads(reply["content"]) if reply["content"].startswith("[") else []
        kinds["call" if calls else "plain"] += 1
        expected = [{"name": c["name"], "arguments": {k: [v] for k, v in c["arguments"].items()}} for c in calls]
        case = {"id": "x", "category": "function_calling", "tools": tools, "expected_calls": expected}
        assert grade_tool_calls(case, reply["content"]).passed, reply
        assert '"name":' in system["content"] and user["role"] == "user"
    assert all(count > 5 for count in kinds.values()), kinds
    assert contamination(load_case_list(), chats) == [], "no benchmark case text in the demo data"


@pytest.mark.slow
def test_a_registry_name_as_base_trains_on_the_weights_the_benchmark_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from training.__main__ import resolve_base
    from training.config import TrainConfig

    monkeypatch.chdir(tmp_path)  # the converted SmolLM2 copy goes to ./.lorabench, as in a run from here
    directory, named = resolve_base(TrainConfig(base="smollm2"))
    assert (directory / "config.json").is_file() and (directory / "model.safetensors").is_file()
    assert directory.is_relative_to(tmp_path / ".lorabench") and named == str(directory.resolve())


@pytest.mark.parametrize("entry", ["oracle", "lora"])
def test_a_registry_entry_that_is_not_a_plain_transformers_base_is_refused(entry: str) -> None:
    from training.__main__ import ConfigError, resolve_base
    from training.config import TrainConfig

    with pytest.raises(ConfigError, match=f"--set base={entry}: registry entry is not a plain transformers base"):
        resolve_base(TrainConfig(base=entry))
