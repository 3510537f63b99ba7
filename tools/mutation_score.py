"""The score of `make mutants`: mutants killed out of those that are not equivalent, and every survivor.

Reads mutmut's results (run from the repository root after `mutmut run`) and docs/mutants-equivalent.md, where
each surviving mutant judged equivalent (it changes nothing a user or a later tool can observe) is listed as
"- `<mutant name>`: <reason>". Prints Markdown (for a CI job summary); exits 1 below `--min` percent.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

EQUIVALENTS = Path("docs/mutants-equivalent.md")
STATS = Path("mutants/mutmut-cicd-stats.json")
CAUGHT = ("killed", "timeout", "segfault", "caught by type check")  # every way a mutant fails the tests


def equivalent_names(path: Path) -> dict[str, str]:
    """Mutant name -> the reason it is equivalent, from the Markdown list."""
    found = re.findall(r"^- `([\w.]+__mutmut_\d+)`: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return dict(found)


def mutant_statuses() -> dict[str, str]:
    """Every mutant's status, as `mutmut results --all` prints it."""
    done = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True
    )
    return dict(re.findall(r"^\s+(\S+__mutmut_\d+): (.+)$", done.stdout, re.MULTILINE))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/mutation_score.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--min", type=float, default=0.0, help="fail below this percentage (default: 0)")
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown to this file")
    args = parser.parse_args(argv)
    text, score = report()
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 1 if score < args.min else 0


def report() -> tuple[str, float]:
    """The Markdown summary and the score in percent."""
    statuses = mutant_statuses()
    equivalent = equivalent_names(EQUIVALENTS)
    caught = sorted(name for name, status in statuses.items() if status in CAUGHT)
    left = sorted(name for name, status in statuses.items() if status not in CAUGHT)
    judged = [name for name in left if name in equivalent]
    open_survivors = [name for name in left if name not in equivalent]
    stale = sorted(set(equivalent) - set(left))
    scored = len(statuses) - len(judged)
    score = 100 * len(caught) / scored if scored else 100.0
    lines = [
        f"## Mutation score: {score:.1f}%",
        "",
        f"{len(caught)} of {scored} non-equivalent mutants killed; {len(statuses)} mutants in all, "
        f"{len(judged)} surviving ones judged equivalent ({EQUIVALENTS}).",
    ]
    if open_survivors:
        lines += ["", f"### {len(open_survivors)} survivors not judged equivalent", ""]
        lines += [f"- `{name}` ({statuses[name]}): `python -m mutmut show {name}`" for name in open_survivors]
    if stale:
        lines += ["", f"{len(stale)} mutants listed as equivalent no longer survive or exist: " + ", ".join(stale)]
    if STATS.exists():
        lines += ["", f"mutmut's own counts: `{json.dumps(json.loads(STATS.read_text()), sort_keys=True)}`"]
    return "\n".join(lines), score


if __name__ == "__main__":
    sys.exit(main())
