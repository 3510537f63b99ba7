"""Judge cases drawn from a training dataset, and an n-gram contamination check of cases against training data.

`sample` turns rows an adapter did not train on (its `train_sample_ids.txt` is excluded) into judge cases, so a
fine-tune is scored in its own data style but not on rows it may have memorised. `contamination` measures word
n-gram overlap of every benchmark case with a training set: a case seen in training measures recall, not skill.

    python -m training.extract_samples sample --dataset SRC --format sharegpt --n 20 --seed 0 \
        --exclude-ids adapter/train_sample_ids.txt --out my_cases/judge_finetome.jsonl
    python -m training.extract_samples contamination --cases-dir benchmarks/cases --dataset SRC --format sharegpt

Exit codes: 0 done (no case flagged), 1 some case flagged, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmarks.categories import CATEGORIES
from lorabench.run.cases import CASES_DIR, Case, CaseError, parse_case_line
from training.contamination import contamination, load_case_list, report
from training.data import FORMATS, DataSourceError, Message, conversations, load_rows, row_messages, sample_id

CATEGORY = {"sharegpt": "judge_finetome", "finance": "judge_finance"}  # judged categories of the category table
ID_PREFIX = {"sharegpt": "ft-x", "finance": "fin-x"}
SAMPLE_ID = re.compile(r"^[0-9a-f]{16}$")
CASE_ID_PREFIX = re.compile(r"^[a-z][a-z0-9_]*(-[A-Za-z0-9_.-]+)?$")
THRESHOLD = 4

RUBRICS: dict[str, dict[str, Any]] = {
    "sharegpt": {
        "criteria": "Does the response do what the instruction asks, correctly, without leaving out anything "
        "important, and in a form that is easy to follow? Weigh substance against the reference, not wording.",
        "scores": {
            "1": "Ignores or misreads the instruction, or is mostly wrong; of no use to the person who asked.",
            "2": "On topic but with serious errors, or it leaves out most of what the instruction asked for.",
            "3": "Partly right, yet it has a clear mistake, skips part of the task, or is hard to follow.",
            "4": "Correct and covers the task, with only a small gap or slip; clearly organised.",
            "5": "Correct, complete and well organised; as good as the reference answer in substance, or better.",
        },
    },
    "finance": {
        "criteria": "Are the figures right, is the financial reasoning sound, and are the assumptions, risks or "
        "limits a careful adviser would mention stated? Weigh substance against the reference, not wording.",
        "scores": {
            "1": "Wrong figures or a misunderstood financial concept; acting on it could mislead someone.",
            "2": "Grasps the topic but has a material calculation or reasoning error, or sells a risky claim as sure.",
            "3": "Mostly sound, yet a figure is off, a step is unexplained, or a key assumption or risk is missing.",
            "4": "Right figures and sound reasoning with fitting caveats; only a minor detail is missing or unclear.",
            "5": "Right figures, reasoning shown step by step, well-judged caveats on assumptions and risk.",
        },
    },
}


class ExtractError(ValueError):
    """Bad input for sampling or checking; the message is one line that names the file, row or option."""


def first_exchange(messages: list[Message]) -> tuple[list[Message], str] | None:
    """(turns up to the first user turn, with a leading system turn kept, first answer after it), or None when
    the row lacks a non-empty user turn or answer."""
    user = next((i for i, m in enumerate(messages) if m["role"] == "user"), None)
    if user is None or not messages[user]["content"].strip():
        return None
    answer = next((m["content"] for m in messages[user + 1 :] if m["role"] == "assistant" and m["content"].strip()), "")
    if not answer:
        return None
    system = [m for m in messages[:user] if m["role"] == "system" and m["content"].strip()][:1]
    turns = [{"role": m["role"], "content": m["content"].strip()} for m in [*system, messages[user]]]
    return turns, answer.strip()


def eligible(
    rows: list[dict[str, Any]], data_format: str, exclude: set[str], dataset: str = "dataset"
) -> list[tuple[str, list[Message], str]]:
    """(sample id, turns, answer) of every usable row, in row order, without excluded or repeated ids."""
    seen = set(exclude)
    pool = []
    for index, row in enumerate(rows):
        try:
            messages = row_messages(row, data_format)
        except (ValueError, TypeError, AttributeError) as exc:  # a wrong --format: one line, not a traceback
            raise ExtractError(f"{dataset} row {index}: {exc} (is --format {data_format} right?)") from None
        ident, exchange = sample_id(messages), first_exchange(messages)
        if ident not in seen and exchange is not None:
            seen.add(ident)
            pool.append((ident, *exchange))
    return pool


def make_case(case_id: str, data_format: str, dataset: str, ident: str, turns: list[Message], answer: str) -> Case:
    case: Case = {"id": case_id, "category": CATEGORY[data_format]}
    case |= {"prompt": turns[0]["content"]} if len(turns) == 1 else {"messages": turns}
    rubric = copy.deepcopy(RUBRICS[data_format])  # editing one written case must not change the others
    return case | {
        "reference_answer": answer,
        "rubric": rubric,
        "threshold": THRESHOLD,
        "source": f"{dataset} sample_id {ident}",
    }


def sample_cases(
    rows: list[dict[str, Any]],
    data_format: str,
    n: int,
    seed: int,
    exclude: Iterable[str] = (),
    id_prefix: str | None = None,
    dataset: str = "dataset",
) -> list[Case]:
    """`n` judge cases from distinct eligible rows, chosen with `seed`; every case is schema-checked."""
    pool = eligible(rows, data_format, set(exclude), dataset)  # an unknown format fails here, on row 0
    prefix = id_prefix or ID_PREFIX.get(data_format, "x")
    if not CASE_ID_PREFIX.match(prefix):
        raise ExtractError(f"--id-prefix {prefix!r}: must start with a lowercase letter, e.g. ft-x")
    if len(pool) < n:
        raise ExtractError(
            f"{dataset}: only {len(pool)} eligible rows (with a user turn and an answer, not excluded), --n {n} asked"
        )
    chosen = random.Random(seed).sample(pool, n)
    cases = [make_case(f"{prefix}-{i:03d}", data_format, dataset, *item) for i, item in enumerate(chosen, start=1)]
    for case in cases:
        parse_case_line(json.dumps(case, ensure_ascii=False), f"{dataset} -> {case['id']}", CATEGORY[data_format])
    return cases


def read_ids(paths: Iterable[Path]) -> set[str]:
    """Sample ids from files of one id per line (blank lines and # comments allowed)."""
    ids: set[str] = set()
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ExtractError(f"--exclude-ids {path}: cannot be read ({type(exc).__name__})") from None
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if text and not text.startswith("#"):
                if not SAMPLE_ID.match(text):
                    raise ExtractError(f"{path}:{number}: {text[:40]!r} is not a sample id (16 hex digits a line)")
                ids.add(text)
    return ids


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _share(text: str) -> float:
    value = float(text) if re.fullmatch(r"\d*\.?\d+", text) else -1.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share in (0, 1], e.g. 0.2, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.extract_samples", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sample = commands.add_parser("sample", help="write judge cases sampled from a dataset")
    check = commands.add_parser("contamination", help="n-gram overlap of benchmark cases with a dataset")
    for sub in (sample, check):
        sub.add_argument("--dataset", required=True, help="hub id, local file or dataset directory")
        sub.add_argument("--format", required=True, choices=FORMATS, dest="data_format")
        sub.add_argument("--split", default="train", help="datasets split, e.g. 'train[75%%:]'")
    sample.add_argument("--n", type=_positive, default=20)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--exclude-ids", type=Path, action="append", default=[], metavar="FILE")
    sample.add_argument("--out", type=Path, required=True, help="e.g. my_cases/judge_finetome.jsonl")
    sample.add_argument("--id-prefix", help="case ids become PREFIX-001, ... (default ft-x / fin-x)")
    sample.add_argument("--force", action="store_true", help="replace --out when it exists")
    check.add_argument("--cases-dir", type=Path, default=CASES_DIR)
    check.add_argument("--max-samples", type=_positive, help="check only the first K rows")
    check.add_argument("--threshold", type=_share, default=0.2, help="8-gram share that flags a case")
    return parser


def _run_sample(args: argparse.Namespace) -> int:
    category = CATEGORY[args.data_format]
    if args.out.stem in CATEGORIES and args.out.stem != category:
        raise ExtractError(
            f"--out {args.out}: {args.data_format} samples are {category} cases; name it {category}.jsonl"
        )
    if args.out.exists() and not args.force:
        raise ExtractError(f"--out {args.out} exists; pass --force to replace it")
    exclude = read_ids(args.exclude_ids)
    if not args.exclude_ids:
        print("note: no --exclude-ids given, so rows the adapter trained on may be sampled", file=sys.stderr)
    rows = load_rows(args.dataset, args.split)
    cases = sample_cases(rows, args.data_format, args.n, args.seed, exclude, args.id_prefix, args.dataset)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    print(f"wrote {len(cases)} {category} cases to {args.out} ({len(exclude)} ids excluded)")
    return 0


def _run_contamination(args: argparse.Namespace) -> int:
    cases = load_case_list(args.cases_dir)
    rows = load_rows(args.dataset, args.split)[: args.max_samples]
    try:  # every conversation with an answer, before any training filter: a superset of what was trained on
        training = conversations(rows, args.data_format, finance_filter=False)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ExtractError(f"{args.dataset}: {exc} (is --format {args.data_format} right?)") from None
    print(f"checking {len(cases)} cases against {len(training)} conversations of {args.dataset} ({args.split})")
    flags = contamination(cases, training, threshold=args.threshold)
    print(report(flags, len(cases)))
    return 1 if flags else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run_sample(args) if args.command == "sample" else _run_contamination(args)
    except (ExtractError, CaseError, DataSourceError) as exc:
        print(f"extract_samples: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
