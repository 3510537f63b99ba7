"""Serve registry models over an OpenAI-compatible API, for the chat and the benchmark alike.

    python -m chat.serve vllm --base llama-3.2-3b          # the base and every registry adapter on it
    python -m chat.serve llama-cpp --model smollm2-gguf    # a GGUF entry, by llama.cpp's server
    python -m chat.serve vllm --base llama-3.2-3b --print  # only print the command and the entries

It prints the registry entries (TOML) that point `--model` / `python -m chat --model` at the server;
save them to a file and pass it with `--models-file`. vLLM serves the adapters as LoRA modules
(`--enable-lora --lora-modules name=path`), so one server answers for the base and each adapter.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

from lorabench.models.registry import Registry, UnknownModelError
from lorabench.models.sources import cached_path
from lorabench.models.spec import ModelSpec, RegistryError


def adapters_on(registry: Registry, base: ModelSpec) -> list[ModelSpec]:
    """The registry's adapter entries whose base weights are `base`'s."""
    return [s for s in registry.specs.values() if s.adapter and s.base == base.base and s.backend == base.backend]


def _lora_rank(adapters: list[ModelSpec]) -> int:
    """The largest `r` among adapters whose config is on disk (64 when none is): vLLM refuses adapters
    above its max rank."""
    ranks = [16]
    for spec in adapters:
        path = Path(spec.adapter or "")
        local = cached_path(spec.adapter or "") or (path if path.is_dir() else None)
        config = Path(local) / "adapter_config.json" if local else None
        if config and config.is_file():
            ranks.append(int(json.loads(config.read_text(encoding="utf-8")).get("r", 16)))
    return max(ranks) if len(ranks) > 1 else 64


def vllm_command(registry: Registry, base: ModelSpec, host: str, port: int) -> tuple[list[str], list[str]]:
    """The `vllm serve` command for `base` and its adapters, and the names it serves."""
    if base.backend != "transformers" or base.base is None:
        raise RegistryError(f"--base {base.name}: vLLM serves transformers entries with a base, not {base.backend}")
    adapters = adapters_on(registry, base)
    command = ["vllm", "serve", base.base, "--host", host, "--port", str(port), "--served-model-name", base.name]
    if base.quantization == "bnb-4bit":
        command += ["--quantization", "bitsandbytes"]
    command += ["--enable-auto-tool-choice", "--tool-call-parser", "llama3_json"]  # tools= as Llama 3.x emits them
    if adapters:
        command += ["--enable-lora", "--max-lora-rank", str(_lora_rank(adapters)), "--lora-modules"]
        command += [f"{spec.name}={spec.adapter}" for spec in adapters]
    return command, [base.name, *(spec.name for spec in adapters)]


def llama_cpp_command(registry: Registry, spec: ModelSpec, host: str, port: int) -> tuple[list[str], list[str]]:
    """llama-cpp-python's server for a llama.cpp entry (its GGUF, and its LoRA GGUF if any)."""
    from lorabench.backends.base import BackendContext
    from lorabench.backends.llama_cpp import LlamaCppBackend
    from lorabench.models.registry import build_backend

    backend = build_backend(spec, BackendContext(Path(".lorabench")))
    if not isinstance(backend, LlamaCppBackend):
        raise RegistryError(f"--model {spec.name}: the llama.cpp server serves llama.cpp entries, not {spec.backend}")
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(backend.gguf_path())]
    command += ["--model_alias", spec.name, "--host", host, "--port", str(port), "--n_ctx", "4096"]
    adapter = backend.adapter_path()
    if adapter is not None:
        command += ["--lora_path", str(adapter)]
    return command, [spec.name]


def registry_entries(names: list[str], host: str, port: int) -> str:
    """TOML entries `<name>-served` for the benchmark and the chat, all at this server."""
    blocks = []
    for name in names:
        blocks.append(
            f'["{name}-served"]\nbackend = "openai"\nurl = "http://{host}:{port}/v1"\n'
            f'served_model = "{name}"\ndescription = "{name}, served by python -m chat.serve"\n'
        )
    return "\n".join(blocks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chat.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("server", choices=["vllm", "llama-cpp"])
    parser.add_argument("--base", help="vllm: the registry entry of the base model")
    parser.add_argument("--model", help="llama-cpp: the registry entry of a GGUF model")
    parser.add_argument("--models-file", type=Path, default=None, help="a TOML registry added to the shipped one")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--print", action="store_true", help="print the command and the entries; start nothing")
    args = parser.parse_args(argv)
    name = args.base if args.server == "vllm" else args.model
    if not name:
        parser.error(f"{args.server} needs {'--base' if args.server == 'vllm' else '--model'}")
    try:
        registry = Registry.load(args.models_file)
        spec = registry.resolve(name, option="--base" if args.server == "vllm" else "--model")
        build = vllm_command if args.server == "vllm" else llama_cpp_command
        command, names = build(registry, spec, args.host, args.port)
    except (RegistryError, UnknownModelError, OSError) as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 2
    print("# registry entries for --models-file:\n" + registry_entries(names, args.host, args.port))
    print("# command: " + " ".join(command), flush=True)
    if args.print:
        return 0
    if args.server == "vllm" and importlib.util.find_spec("vllm") is None:
        print("serve: vllm is not installed here (pip install vllm, on a CUDA machine)", file=sys.stderr)
        return 2
    os.execvp(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
