"""Print what a benchmark run decided, in a form two runs can be diffed by: per case the outcome, the
verdict's reason and extraction, the prompt and the output; then every cache key with what it keys.

Why: a refactor that should change nothing is checked by running the same models before and after it
(each with a fresh `--cache-dir`) and diffing the two fingerprints. It reads only the JSON reports and
the SQLite cache, never lorabench's own code, so it works on both sides of a move.

    python tools/run_fingerprint.py --reports-dir R --cache-dir C oracle smollm2 > before.txt
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path

CASE_FIELDS = ("outcome", "reason", "extracted", "prompt", "output", "finish_reason", "completion_tokens")


def report_lines(report_path: Path) -> list[str]:
    report = json.loads(report_path.read_text(encoding="utf-8"))
    lines = [f"# {report_path.name}: summary {json.dumps(report['summary']['overall'], sort_keys=True)}"]
    for case in sorted(report["cases"], key=lambda record: record["id"]):
        fields = {name: case.get(name) for name in CASE_FIELDS}
        if "judge" in case:
            # where the reply came from and how long it took vary between identical runs
            fields["judge"] = {k: v for k, v in case["judge"].items() if k not in ("from_cache", "seconds")}
        lines.append(f"{case['id']}\t{json.dumps(fields, sort_keys=True, ensure_ascii=True)}")
    return lines


def cache_lines(cache_path: Path) -> list[str]:
    with sqlite3.connect(f"file:{cache_path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT key, model_identity, params, text FROM generations ORDER BY key").fetchall()
    return [
        f"cache {key} {identity} {params} {json.dumps(text, ensure_ascii=True)}" for key, identity, params, text in rows
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="model names whose reports/<name>.json to read")
    parser.add_argument("--reports-dir", type=Path, default=Path("reports"))
    parser.add_argument("--cache-dir", type=Path, default=Path(".lorabench"))
    args = parser.parse_args(argv)
    for model in args.models:
        path = args.reports_dir / f"{model}.json"
        if not path.is_file():
            print(f"run_fingerprint: {path}: no such report", file=sys.stderr)
            return 2
        print("\n".join(report_lines(path)))
    cache = args.cache_dir / "cache.sqlite"
    if cache.is_file():
        print("\n".join(cache_lines(cache)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
