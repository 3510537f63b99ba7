"""Train a LoRA / rsLoRA adapter that the benchmark can load with `--model <output_dir>`.

    python -m training --preset lora                     # FineTome-100k, r=32 (the seed project's `lora`)
    python -m training --preset rslora                   # the same with use_rslora=True
    python -m training --preset finance                  # Finance-Instruct-500k, r=16, 75% train split
    python -m training.demo_data && python -m training --preset demo    # offline: SmolLM2 on CPU
    python -m training --preset lora --set max_steps=20 --set dataset=data/FineTome-100k --register my.toml

load data -> format with the chat template (loss on responses only) -> train (resumes from the last
checkpoint in <output_dir>/checkpoints) -> save the adapter, `training_config.json` and the ids of the
rows it saw -> register it (print the benchmark command; `--register FILE` adds a registry entry).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from training.config import PRESETS, ConfigError, TrainConfig, build_config
from training.data import DataSourceError, conversations, load_rows, sample_id, shuffled
from training.engines import load_peft_engine, load_unsloth_engine, pick_engine, train
from training.formatting import tokenize_conversation, use_chat_template


def resolve_base(config: TrainConfig) -> tuple[Path, str]:
    """A local directory for the base, and how the adapter should name it (hub id, or absolute path).
    A benchmark registry name (e.g. `smollm2`) trains on exactly the weights the benchmark loads."""
    from lorabench.backends.base import BackendContext
    from lorabench.backends.hf import TransformersBackend
    from lorabench.backends.unsloth import UnslothBackend
    from lorabench.models.registry import Registry, build_backend
    from lorabench.models.sources import is_hub_id, locate

    registry = Registry.load()
    if config.base in registry.specs:
        backend = build_backend(registry.specs[config.base], BackendContext(Path(".lorabench").resolve()))
        if not isinstance(backend, TransformersBackend | UnslothBackend) or backend.spec.adapter:
            raise ConfigError(f"--set base={config.base}: registry entry is not a plain transformers base model")
        directory = backend.hf.base_dir()
        return directory, str(directory.resolve())
    directory = locate(config.base, "training", "base")
    return directory, config.base if is_hub_id(config.base) else str(directory.resolve())


def training_rows(config: TrainConfig) -> tuple[list[list[dict[str, str]]], list[list[dict[str, str]]]]:
    """(train, held out) conversations."""
    rows = load_rows(config.dataset, config.split)
    train_set = conversations(rows, config.dataset_format, config.finance_filter)
    train_set = shuffled(train_set, config.shuffle_seed)
    held_out: list[list[dict[str, str]]] = []
    if config.held_out_split:
        held_out = conversations(load_rows(config.dataset, config.held_out_split), config.dataset_format, False)
    if config.max_samples is not None:
        train_set = train_set[: config.max_samples]
    seen = {sample_id(messages) for messages in train_set}
    return train_set, [messages for messages in held_out if sample_id(messages) not in seen]


def write_record(out: Path, config: TrainConfig, base_ref: str, ids: list[str], held_out: int, result: Any) -> None:
    """Everything needed to reproduce or audit the adapter, next to it."""
    (out / "train_sample_ids.txt").write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
    record = {
        "config": config.to_dict(),
        "base": base_ref,
        "engine": result.engine,
        "optim_used": result.optim,
        "notes": result.notes,
        "train_samples": len(ids),
        "train_sample_ids_file": "train_sample_ids.txt",
        "train_sample_ids_sha256": hashlib.sha256("".join(f"{i}\n" for i in ids).encode()).hexdigest(),
        "held_out_samples": held_out,
        "steps": result.steps,
        "train_seconds": round(result.seconds, 1),
        "train_loss": result.train_loss,
        "resumed_from": result.resumed_from,
    }
    (out / "training_config.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    adapter_config = out / "adapter_config.json"
    settings = json.loads(adapter_config.read_text(encoding="utf-8"))
    settings["base_model_name_or_path"] = base_ref  # the hub id, not a snapshot path of this machine
    adapter_config.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")


def register(out: Path, name: str, base_ref: str, registry_file: Path | None) -> None:
    entry = f'["{name}"]\nbackend = "transformers"\nbase = "{base_ref}"\nadapter = "{out.resolve()}"\n'
    if registry_file is not None:
        with registry_file.open("a", encoding="utf-8") as handle:
            handle.write(("\n" if handle.tell() else "") + entry)
        print(f"registered {name} in {registry_file}: pytest benchmarks --models-file {registry_file} --model {name}")
    print(f"benchmark it: pytest benchmarks --model {out} --model <its base>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="lora", help=f"one of {', '.join(PRESETS)} (default: lora)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--register", type=Path, default=None, help="add the adapter to this registry file")
    parser.add_argument("--max-samples", type=int, default=None, help="train on the first N conversations only")
    args = parser.parse_args(argv)
    try:
        config = build_config(args.preset, args.overrides)
        if args.max_samples is not None:
            config.max_samples = args.max_samples
        train_set, held_out = training_rows(config)  # load
        if not train_set:
            raise DataSourceError(f"dataset {config.dataset}: no usable conversation in split {config.split}")
        engine, notes = pick_engine(config), []
        base_dir, base_ref = resolve_base(config)
        if engine == "unsloth":
            model, tokenizer = load_unsloth_engine(config, str(base_dir))
        else:
            model, tokenizer = load_peft_engine(config, base_dir, notes)
            use_chat_template(tokenizer, config.chat_template)
        examples = [tokenize_conversation(tokenizer, c, config.max_seq_length) for c in train_set]  # format
        out = Path(config.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        result = train(engine, config, model, tokenizer, examples, out, notes)  # train
        ids = [sample_id(messages) for messages in train_set]
        write_record(out, config, base_ref, ids, len(held_out), result)  # save
    except (ConfigError, DataSourceError, ValueError, RuntimeError) as exc:
        print(f"training: {exc}", file=sys.stderr)
        return 2
    print(f"adapter: {out} ({result.steps} steps in {result.seconds:.0f} s, {result.engine}, loss {result.train_loss})")
    register(out, out.name, base_ref, args.register)  # register
    return 0


if __name__ == "__main__":
    sys.exit(main())
