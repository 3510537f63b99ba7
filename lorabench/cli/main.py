"""`python -m lorabench COMMAND`: the harness's tools without pytest.

    python -m lorabench compare reports/*.json [--baseline NAME] [--markdown]   # did the fine-tune help?
    python -m lorabench list-models [--models-file F] [--cache-dir D]           # the registry, and what runs here
    python -m lorabench judge-check --judge NAME [--models-file F ...]          # does the judge tell good from bad?
    python -m lorabench perf [--model NAME ...]                                 # batched vs one-at-a-time speed
    python -m lorabench gpu-check [--engines ...]                               # the GPU path, end to end, offline

Benchmarking itself is `pytest benchmarks --model NAME`. `compare`, `perf` and `gpu-check` take their
own arguments (`python -m lorabench compare --help`); relative paths are relative to the current directory.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from lorabench.cli.parser import USAGE_ERROR, CommandParser, say_error

PROG = "python -m lorabench"


def _compare(argv: list[str]) -> int:
    from lorabench.reports.compare import main as compare_main

    return compare_main(argv)


def _perf(argv: list[str]) -> int:
    from lorabench.perf import main as perf_main

    perf_main(argv)
    return 0


def _gpu_check(argv: list[str]) -> int:
    from lorabench.gpu_check.check import main as gpu_check_main

    return gpu_check_main(argv)


# Commands whose module parses its own arguments: everything after the command name goes to it unchanged.
FORWARDED: dict[str, tuple[Callable[[list[str]], int], str]] = {
    "compare": (_compare, "compare models from their JSON reports (pass rates, McNemar, the index.html page)"),
    "perf": (_perf, "time batched against one-at-a-time generation on a real model"),
    "gpu-check": (_gpu_check, "check the GPU path end to end, offline, on every engine installed here"),
}


def build_parser() -> CommandParser:
    from lorabench.cli.options import add_options

    parser = CommandParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing_help = "list the registry's models: where each comes from, whether it runs here (loads nothing)"
    listing = commands.add_parser("list-models", help=listing_help, description=listing_help)
    add_options(listing.add_argument, ["--models-file", "--cache-dir"])
    check_help = "grade reference, empty and off-topic answers with the judge: does it score the reference highest?"
    check = commands.add_parser("judge-check", help=check_help, description=check_help)
    judge_flags = ["--judge", "--models-file", "--cases-dir", "--cache-dir", "--no-cache", "--batch-size"]
    add_options(
        check.add_argument,
        [*judge_flags, "--judge-max-calls", "--judge-max-tokens", "--judge-retries"],
        judge={"required": True, "help": "registry model to check as a judge"},
    )
    for name, (_, summary) in FORWARDED.items():
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit status (2: a bad argument or option value, said in one line)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in FORWARDED:
        return FORWARDED[argv[0]][0](argv[1:])
    arguments = build_parser().parse_args(argv)
    prog = f"{PROG} {arguments.command}"
    from lorabench.run.model_failure import MODEL_FAULTS
    from lorabench.run.session_setup import SetupError

    try:
        lines = _list_models(arguments) if arguments.command == "list-models" else _judge_check(arguments)
    except SetupError as exc:
        say_error(prog, str(exc))
        return USAGE_ERROR
    except MODEL_FAULTS as exc:  # the judge cannot run here: not a bad argument, still one line
        say_error(prog, str(exc))
        return 1
    print("\n".join(lines))
    return 0


def _list_models(arguments: argparse.Namespace) -> list[str]:
    from lorabench.cli.commands import list_models

    return list_models(_path(arguments.models_file), Path(arguments.cache_dir).resolve())


def _judge_check(arguments: argparse.Namespace) -> list[str]:
    from lorabench.cli.commands import judge_check
    from lorabench.run.session_setup import judge_settings
    from lorabench.run.settings import Settings

    limits = judge_settings(arguments.judge_max_calls, arguments.judge_max_tokens, arguments.judge_retries)
    settings = Settings(
        cases_dir=Path(arguments.cases_dir).resolve(),
        cache_dir=Path(arguments.cache_dir).resolve(),
        reports_dir=Path("reports").resolve(),  # judge-check writes no report
        use_cache=not arguments.no_cache,
        batch_size=arguments.batch_size,
    )
    return judge_check(arguments.judge, _path(arguments.models_file), settings, limits)


def _path(value: str | None) -> Path | None:
    return Path(value).resolve() if value else None
