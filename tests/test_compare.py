"""Comparing reports: shared cases only, pairs of an adapter and its base, McNemar counts, flipped cases,
and the warning for an adapter whose outputs equal its base's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy  # noqa: F401 - imported before pytester snapshots sys.modules: numpy cannot be loaded twice
import pytest

from lorabench.reports.compare import (
    base_pairs,
    compare_pair,
    differences,
    error_notes,
    load_reports,
    main,
    shared_case_ids,
)
from lorabench.reports.compare_text import markdown_lines, text_lines
from lorabench.reports.statistics import minimum_detectable_difference
from lorabench.run.adapter_effect import identical_outputs_warning
from tests.conftest import write_script

BASE_WEIGHTS = {"model.safetensors": "ab" * 32}


def _report(name: str, outcomes: dict[str, str], adapter: bool = False, outputs: str = "{name}", **extra) -> dict:
    identity = {"weights": BASE_WEIGHTS, "adapter": {"adapter_model.safetensors": "cd" * 32} if adapter else None}
    cases = [
        {
            "id": case_id,
            "category": "math" if case_id.startswith("math") else "mcq",
            "outcome": outcome,
            "output": outputs.format(name=name, id=case_id),
        }
        for case_id, outcome in outcomes.items()
    ]
    return {
        "model": {"name": name, "identity": identity},
        "cases": cases,
        "case_files_sha256": {"math.jsonl": "1"},
    } | extra


BASE = {
    "math-1": "failed",
    "math-2": "failed",
    "math-3": "passed",
    "math-4": "failed",
    "mcq-1": "passed",
    "mcq-2": "skipped",
}
TUNED = {
    "math-1": "passed",
    "math-2": "passed",
    "math-3": "failed",
    "math-4": "passed",
    "mcq-1": "passed",
    "mcq-2": "passed",
}


def test_adapter_pairs_with_its_base_on_shared_graded_cases() -> None:
    base, tuned = _report("base", BASE), _report("tuned", TUNED, adapter=True)
    other = _report("other", BASE) | {"model": {"name": "other", "identity": {"weights": {"x": "y"}, "adapter": None}}}
    assert base_pairs([base, tuned, other], None) == [(base, tuned)]
    assert [(a["model"]["name"], b["model"]["name"]) for a, b in base_pairs([base, tuned, other], "other")] == [
        ("base", "tuned"),
        ("other", "base"),
        ("other", "tuned"),
    ]
    ids = shared_case_ids([base, tuned])
    assert ids == ["math-1", "math-2", "math-3", "math-4", "mcq-1"], "a case skipped in one report is left out"
    pair = compare_pair(base, tuned, ids)
    math = pair["by_category"]["math"]
    assert (math["gained"], math["lost"]) == (["math-1", "math-2", "math-4"], ["math-3"])
    assert math["p_value"] == pytest.approx(0.625)  # 3 vs 1 discordant: 2 * (1 + 4) / 16
    assert pair["by_category"]["overall"]["cases"] == 5 and pair["identical_outputs"] == 0.0


def test_identical_outputs_warn_that_the_adapter_was_not_applied(tmp_path: Path, capsys) -> None:
    base = _report("base", BASE, outputs="same text for {id}")
    tuned = _report("tuned", BASE, adapter=True, outputs="same text for {id}")
    paths = []
    for report in (base, tuned):
        path = tmp_path / f"{report['model']['name']}.json"
        path.write_text(json.dumps(report))
        paths.append(str(path))
    assert main(paths) == 0
    assert (
        "WARNING: 100% of outputs are byte-identical to base's: the adapter was probably not applied"
        in capsys.readouterr().out
    )


def test_reports_on_different_cases_are_flagged_and_bad_files_are_one_line(tmp_path: Path, capsys) -> None:
    base = _report("base", BASE)
    changed = _report("tuned", TUNED, adapter=True) | {"case_files_sha256": {"math.jsonl": "2"}}
    assert differences([base, changed]) == [
        "the reports differ in case_files_sha256: only shared cases are compared, and prompts may differ"
    ]
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ValueError, match=r"broken\.json: not a readable lorabench report"):
        load_reports([broken])
    assert main([str(broken)]) == 2 and "compare: " in capsys.readouterr().err
    assert main([str(broken), "--baseline", "x"]) == 2


@pytest.mark.parametrize(
    ("share", "level"), [(None, None), (0.0, None), (0.49, None), (0.5, "warning"), (0.83, "warning"), (0.9, "loud")]
)
def test_identical_output_shares_warn_from_half_and_loudly_from_ninety_percent(share, level) -> None:
    warning = identical_outputs_warning(share, "smollm2")
    assert (warning[0] if warning else None) == level
    if level == "warning":
        assert "little effect, or not applied" in warning[1] and f"{100 * share:.0f}% of outputs" in warning[1]
    if level == "loud":
        assert "the adapter was probably not applied" in warning[1]


def _served(name: str, outcomes: dict[str, str], adapter_of: str | None = None, **extra) -> dict:
    """A report of a model whose weights cannot be hashed (a server): no weights in its identity."""
    report = _report(name, outcomes, **extra)
    entry = {"backend": "openai"} | ({"adapter_of": adapter_of} if adapter_of else {})
    report["model"] = {"name": name, "identity": {"backend": "openai"}, "registry_entry": entry}
    return report


def test_adapter_of_pairs_served_models_that_have_no_weight_hashes() -> None:
    base, tuned, other = _served("base", BASE), _served("tuned", TUNED, adapter_of="base"), _served("other", BASE)
    assert base_pairs([other, tuned, base], None) == [(base, tuned)]
    assert base_pairs([base, other], None) == [], "no hashes and no adapter_of: no pair"
    hashed = _report("hashed", TUNED, adapter=True)
    hashed["model"]["registry_entry"] = {"adapter_of": "other"}
    assert base_pairs([base, hashed, other], None) == [(other, hashed)], "adapter_of names the base explicitly"


def test_each_pair_and_category_shows_the_smallest_difference_its_cases_could_detect() -> None:
    base, tuned = _report("base", BASE), _report("tuned", TUNED, adapter=True)
    pair = compare_pair(base, tuned, shared_case_ids([base, tuned]))
    assert pair["by_category"]["math"]["detectable_difference"] is None, "4 cases detect nothing: p >= 0.125"
    text = "\n".join(text_lines([base, tuned]))
    assert "math               +3 -1  McNemar p=0.625  detectable none (too few cases)" in text
    many_base = {f"math-{i}": "passed" if i < 10 else "failed" for i in range(40)}
    many_tuned = many_base | {"math-0": "failed", "math-30": "passed", "math-31": "passed", "math-32": "passed"}
    base, tuned = _report("base", many_base), _report("tuned", many_tuned, adapter=True)
    math = compare_pair(base, tuned, shared_case_ids([base, tuned]))["by_category"]["math"]
    assert math["detectable_difference"] == pytest.approx(minimum_detectable_difference(40, 4 / 40))
    text = "\n".join(text_lines([base, tuned]))
    assert f"+3 -1  McNemar p=0.625  detectable ±{100 * math['detectable_difference']:.0f} pts" in text
    assert "Connor 1987" in text and "| detectable |" in "\n".join(markdown_lines([base, tuned]))


def test_pairs_whose_error_counts_differ_say_so_and_count_errors_as_failures() -> None:
    base, tuned = _report("base", BASE), _report("tuned", TUNED | {"math-2": "error", "math-4": "error"}, adapter=True)
    ids = shared_case_ids([base, tuned])
    assert ids == ["math-1", "math-3", "mcq-1"], "a case with an error in any report is left out of the rates"
    math = compare_pair(base, tuned, ids)["by_category"]["math"]
    assert math["errors"] == {"base": 0, "other": 2}
    assert (math["gained"], math["lost"]) == (["math-1"], ["math-3"])
    counted = math["errors_as_failures"]
    assert counted["cases"] == 4 and (counted["gained"], counted["lost"]) == (["math-1"], ["math-3"])
    tuned["cases"][0]["outcome"] = "error"  # math-1: now the base's failure against an error, no gain at all
    counted = compare_pair(base, tuned, ids)["by_category"]["math"]["errors_as_failures"]
    assert (counted["gained"], counted["lost"]) == ([], ["math-3"])
    assert error_notes([base, tuned]) == [
        f"{category}: error counts differ (base 0, tuned 3); a case with an error in any report is left out of "
        "these rates; see each pair for errors counted as failures"
        for category in ("math", "overall")
    ]
    text = text_lines([base, tuned])
    assert any(line.startswith("  NOTE math: error counts differ (base 0, tuned 3)") for line in text)
    assert any("ERRORS DIFFER (base 0, tuned 3; left out above); errors as failures on 4 cases" in x for x in text)
    markdown = "\n".join(markdown_lines([base, tuned]))
    assert "> math: error counts differ" in markdown and "**ERRORS DIFFER (base 0, tuned 3;" in markdown
    same = compare_pair(base, base, ids)["by_category"]["math"]
    assert same["errors"] == {"base": 0, "other": 0} and "errors_as_failures" not in same


@pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
def test_a_cold_run_a_cached_run_and_an_uncached_run_compare_like_for_like(
    pytester: pytest.Pytester, bench_args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same model on the same cases gives the same answers whether they were generated, read from the
    cache or generated with --no-cache: none of these is a difference in generation settings."""
    answers = {"math-001": "Answer: 42", "mcq-001": "A", "sit-001": "At the cinema."}
    script = write_script(tmp_path / "model.json", answers, default="I do not know.")
    model = f"--model=scripted:{script}"
    saved = []
    for name, extra in (("cold", []), ("cached", []), ("uncached", ["--no-cache"])):
        pytester.runpytest(*bench_args, model, *extra)
        saved.append(tmp_path / f"{name}.json")
        shutil.copy(tmp_path / "reports" / "scripted-model.json", saved[-1])
    cases = [json.loads(path.read_text(encoding="utf-8"))["cases"] for path in saved]
    assert [sum(bool(c.get("from_cache")) for c in run) for run in cases] == [0, 5, 0]  # the 5 not judged
    capsys.readouterr()
    assert main([*map(str, saved), "--page", str(tmp_path / "page.html")]) == 0
    printed = capsys.readouterr().out
    assert "lorabench comparison: 3 models" in printed and "differ in" not in printed, printed
