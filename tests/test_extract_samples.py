"""Judge-case sampling from training data and the n-gram contamination check, on small synthetic datasets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lorabench.run.cases import CaseError, load_cases
from tests.conftest import write_cases
from training.contamination import contamination, load_case_list, report
from training.data import row_messages, sample_id
from training.extract_samples import RUBRICS, ExtractError, main, read_ids, sample_cases

ANIMALS = ["otter", "heron", "badger", "lynx", "marten", "vole", "stoat", "wren"]
PLACES = ["harbour", "orchard", "quarry", "meadow", "bakery", "library", "station", "market"]


def sharegpt_rows(count: int) -> list[dict[str, Any]]:
    """Distinct two-turn rows, plus two unusable ones (no answer; empty question)."""
    rows = [
        {
            "conversations": [
                {"from": "human", "value": f"Describe how the {ANIMALS[i % 8]} reached the {PLACES[i // 8 % 8]} {i}."},
                {"from": "gpt", "value": f"It walked {i + 2} kilometres along the river past the {PLACES[i % 8]}."},
            ]
        }
        for i in range(count)
    ]
    rows.append({"conversations": [{"from": "human", "value": "A question nobody answered."}]})
    rows.append({"conversations": [{"from": "human", "value": "  "}, {"from": "gpt", "value": "An orphan answer."}]})
    return rows


def finance_rows(count: int) -> list[dict[str, Any]]:
    """Finance-style rows, every third with a system prompt, plus one without an answer."""
    rows = [
        {
            "system": "You are a careful financial analyst." if i % 3 == 0 else "",
            "user": f"What is the simple interest on ${1000 + i} at 5% for 2 years?",
            "assistant": f"Interest = principal x rate x time = ${(1000 + i) * 0.1:.2f}.",
        }
        for i in range(count)
    ]
    return [*rows, {"system": "", "user": "Is this stock a buy?", "assistant": ""}]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def sources(cases: list[dict[str, Any]]) -> list[str]:
    return [case["source"] for case in cases]


def sample_args(data: Path, data_format: str, out: Path, *extra: str) -> list[str]:
    return ["sample", "--dataset", str(data), "--format", data_format, "--out", str(out), *extra]


def test_sampling_is_reproducible_with_a_seed_and_changes_with_another() -> None:
    rows = sharegpt_rows(40)
    first = sample_cases(rows, "sharegpt", 6, seed=0)
    assert sample_cases(rows, "sharegpt", 6, seed=0) == first
    assert sources(sample_cases(rows, "sharegpt", 6, seed=1)) != sources(first)
    assert [case["id"] for case in first] == [f"ft-x-{i:03d}" for i in range(1, 7)]
    assert len(set(sources(first))) == 6


def test_a_case_carries_the_first_question_the_first_answer_and_the_row_id() -> None:
    rows = sharegpt_rows(3)
    by_id = {sample_id(row_messages(row, "sharegpt")): row for row in rows}
    for case in sample_cases(rows, "sharegpt", 3, seed=5, dataset="data/FineTome-100k"):
        ident = case["source"].removeprefix("data/FineTome-100k sample_id ")
        human, gpt = by_id[ident]["conversations"]
        assert (case["prompt"], case["reference_answer"]) == (human["value"], gpt["value"])
        assert case["category"] == "judge_finetome" and case["threshold"] == 4
        assert case["rubric"] == RUBRICS["sharegpt"]


def test_finance_cases_keep_the_system_turn_and_use_the_finance_rubric() -> None:
    cases = sample_cases(finance_rows(9), "finance", 9, seed=0, id_prefix="fin-q")
    with_system = [case for case in cases if "messages" in case]
    assert len(with_system) == 3
    assert all(case["messages"][0]["role"] == "system" and "prompt" not in case for case in with_system)
    assert all(case["rubric"] == RUBRICS["finance"] and case["id"].startswith("fin-q-") for case in cases)
    assert RUBRICS["finance"]["criteria"] != RUBRICS["sharegpt"]["criteria"]


def test_written_cases_of_both_formats_load_as_a_case_directory(tmp_path: Path) -> None:
    sharegpt = write_jsonl(tmp_path / "finetome.jsonl", sharegpt_rows(12))
    finance = write_jsonl(tmp_path / "finance.jsonl", finance_rows(12))
    out = tmp_path / "cases"
    assert main(sample_args(sharegpt, "sharegpt", out / "judge_finetome.jsonl", "--n", "5", "--seed", "3")) == 0
    assert main(sample_args(finance, "finance", out / "judge_finance.jsonl", "--n", "5", "--seed", "3")) == 0
    loaded = load_cases(out)
    assert [len(loaded[c]) for c in ("judge_finetome", "judge_finance")] == [5, 5]
    assert loaded["judge_finance"][0]["id"] == "fin-x-001"
    assert all(case["source"].startswith(str(finance)) for case in loaded["judge_finance"])


def test_excluded_ids_are_never_sampled(tmp_path: Path) -> None:
    rows = sharegpt_rows(20)
    ids = [sample_id(row_messages(row, "sharegpt")) for row in rows[:20]]
    ids_file = tmp_path / "train_sample_ids.txt"
    ids_file.write_text("\n".join(ids[:14]) + "\n", encoding="utf-8")
    cases = sample_cases(rows, "sharegpt", 6, seed=0, exclude=read_ids([ids_file]))
    assert sorted(case["source"].split()[-1] for case in cases) == sorted(ids[14:])
    with pytest.raises(ExtractError, match="only 6 eligible rows"):
        sample_cases(rows, "sharegpt", 7, seed=0, exclude=read_ids([ids_file]))


def test_too_few_rows_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_jsonl(tmp_path / "finetome.jsonl", sharegpt_rows(4))  # 4 usable rows and 2 unusable ones
    out = tmp_path / "judge_finetome.jsonl"
    code = main(sample_args(data, "sharegpt", out, "--n", "5"))
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and not out.exists()
    assert "only 4 eligible rows" in error and "--n 5" in error and str(data) in error


BAD_ROWS = {
    "finance": finance_rows(2),
    "robot": [{"conversations": [{"from": "robot", "value": "hi"}, {"from": "gpt", "value": "hello"}]}],
    "sharegpt": sharegpt_rows(4),
}


@pytest.mark.parametrize(
    ("rows", "extra", "expected"),
    [
        ("finance", [], "rows.jsonl row 0: a sharegpt row needs a 'conversations' list (is --format sharegpt right?)"),
        ("robot", [], "rows.jsonl row 0: unknown ShareGPT speaker 'robot'"),
        ("sharegpt", ["--exclude-ids", "missing.txt"], "--exclude-ids missing.txt: cannot be read"),
        ("sharegpt", ["--id-prefix", "FT"], "--id-prefix 'FT'"),
        ("sharegpt", ["--out", "judge_finance.jsonl"], "name it judge_finetome.jsonl"),
    ],
)
def test_bad_sampling_input_is_one_line_naming_the_culprit(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    rows: str,
    extra: list[str],
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    data = write_jsonl(tmp_path / "rows.jsonl", BAD_ROWS[rows])
    assert main(sample_args(data, "sharegpt", Path("judge_finetome.jsonl"), "--n", "2", *extra)) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("extract_samples: error:") and expected in lines[-1]
    assert not list(tmp_path.glob("judge_*.jsonl"))


def test_an_ids_file_with_other_content_is_rejected_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "ids.txt"
    bad.write_text("# ids of adapter x\n0123456789abcdef\n\n{'not': 'an id'}\n", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"ids\.txt:4: .* is not a sample id"):
        read_ids([bad])
    bad.write_text("# ids of adapter x\n0123456789abcdef\n", encoding="utf-8")
    assert read_ids([bad]) == {"0123456789abcdef"}


def test_an_existing_out_file_is_kept_unless_forced(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "rows.jsonl", sharegpt_rows(5))
    out = tmp_path / "judge_finetome.jsonl"
    out.write_text("keep me\n", encoding="utf-8")
    args = sample_args(data, "sharegpt", out, "--n", "2")
    assert main(args) == 2 and out.read_text(encoding="utf-8") == "keep me\n"
    assert main([*args, "--force"]) == 0 and len(out.read_text(encoding="utf-8").splitlines()) == 2


# -- contamination ---------------------------------------------------------------------------------------------

FILLER = "Our village council met on Tuesday to discuss the new bicycle lanes and the winter market schedule."


def judge_case(case_id: str, prompt: str, answer: str = "A short reference answer.") -> dict[str, Any]:
    rubric = {"criteria": "Answers the question", "scores": {str(i): f"level {i}" for i in range(1, 6)}}
    case = {"id": case_id, "category": "judge_finetome", "prompt": prompt, "reference_answer": answer}
    return {**case, "rubric": rubric, "threshold": 4}


def chat(user: str, assistant: str = FILLER) -> list[dict[str, str]]:
    return [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]


COPIED = judge_case("ft-copied", "Explain in plain words why the sky looks blue on a clear afternoon but red at dusk.")
UNRELATED = judge_case("ft-other", "List three practical ways to keep tomato seedlings from growing tall and weak.")
LONG_ANSWER = " ".join(f"Paragraph word{i} continues the explanation with detail number {i}." for i in range(12))
RUN_OF_13 = "the committee agreed that every member would bring one dish to the picnic"


def test_a_copied_prompt_is_flagged_and_an_unrelated_case_is_not() -> None:
    training = [chat("Q: " + COPIED["prompt"].upper() + " Thanks!"), chat("How do I bake bread?")]
    flags = contamination([COPIED, UNRELATED], training)
    assert [flag.case_id for flag in flags] == ["ft-copied"]
    assert flags[0].share == 1.0  # the 4-word answer is too short for an 8-gram: only the prompt counts
    assert flags[0].long_match and flags[0].example == " ".join(COPIED["prompt"].lower().rstrip(".").split())


def test_one_shared_13_word_run_flags_a_case_below_the_share_threshold() -> None:
    case = judge_case("ft-run", "Summarise the meeting notes below.", LONG_ANSWER + " Then " + RUN_OF_13 + ".")
    training = [chat("Minutes: " + RUN_OF_13 + " and left early.")]
    (flag,) = contamination([case], training)
    assert flag.long_match and flag.share < 0.2
    assert flag.example == RUN_OF_13
    twelve = " ".join(RUN_OF_13.split()[:12])
    assert contamination([case], [chat(twelve + " nobody else came")]) == []  # 5 shared 8-grams, no 13-gram


def test_a_case_shorter_than_n_words_counts_as_one_phrase() -> None:
    short = {"id": "math-s", "category": "math", "prompt": "What is 6 times 7?", "answer": 42}
    assert [f.case_id for f in contamination([short], [chat("Quiz: what is 6 times 7? Answer below.")])] == ["math-s"]
    assert contamination([short], [chat("what is 6 times 8")]) == []


def test_mcq_options_count_as_case_text() -> None:
    options = {"A": "the treaty was signed in a small farmhouse near the river", "B": "in the capital city"}
    mcq = {"id": "mcq-x", "category": "mcq", "prompt": "Where was it signed?", "options": options, "answer": "A"}
    flags = contamination([mcq], [chat("Fun fact: the treaty was signed in a small farmhouse near the river.")])
    assert [flag.case_id for flag in flags] == ["mcq-x"]


def test_the_threshold_decides_share_flags() -> None:
    half = judge_case("ft-half", COPIED["prompt"], UNRELATED["prompt"])  # 10 + 6 8-grams
    training = [chat(" ".join(COPIED["prompt"].split()[:12]))]  # 5 of them shared (0.3125), no 13-gram
    assert [f.case_id for f in contamination([half], training)] == ["ft-half"]
    assert [f.case_id for f in contamination([half], training, threshold=0.31)] == ["ft-half"]
    assert contamination([half], training, threshold=0.32) == []


def test_shipped_cases_do_not_overlap_an_unrelated_training_set() -> None:
    cases = load_case_list()
    training = [
        chat(f"{FILLER} The {ANIMALS[i % 8]} at the {PLACES[i // 8 % 8]}.", f"It left at {i}.") for i in range(300)
    ]
    assert len(cases) == 200 and contamination(cases, training) == []
    planted = next(case for case in cases if case["category"] == "judge_finance")
    flags = contamination(cases, [*training, chat(planted["prompt"], planted["reference_answer"])])
    assert [flag.case_id for flag in flags] == [planted["id"]]


def test_report_lists_flags_and_ends_with_the_count() -> None:
    flags = contamination([COPIED, UNRELATED], [chat(COPIED["prompt"])])
    lines = report(flags, 2).splitlines()
    assert lines[0].startswith("flagged ft-copied (judge_finetome): 100% of its 8-grams in training")
    assert lines[-1] == "contamination check: 1 of 2 cases flagged"


def test_contamination_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = write_cases(tmp_path / "cases", [COPIED, UNRELATED])
    clean = write_jsonl(tmp_path / "clean.jsonl", sharegpt_rows(10))
    dirty_rows = [*sharegpt_rows(10), {"conversations": [{"from": "human", "value": COPIED["prompt"]}]}]
    dirty_rows.append({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": COPIED["prompt"]}]})
    dirty = write_jsonl(tmp_path / "dirty.jsonl", dirty_rows)
    base = ["contamination", "--cases-dir", str(cases), "--format", "sharegpt"]
    assert main([*base, "--dataset", str(clean)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "contamination check: 0 of 2 cases flagged"
    assert main([*base, "--dataset", str(dirty)]) == 1
    output = capsys.readouterr().out
    assert "flagged ft-copied" in output and output.splitlines()[-1] == "contamination check: 1 of 2 cases flagged"
    assert main([*base, "--dataset", str(dirty), "--max-samples", "10"]) == 0


def test_contamination_cli_rejects_a_bad_cases_dir_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_jsonl(tmp_path / "rows.jsonl", sharegpt_rows(2))
    args = ["contamination", "--cases-dir", str(tmp_path / "nope"), "--dataset", str(data), "--format", "sharegpt"]
    assert main(args) == 2
    assert "cases directory not found" in capsys.readouterr().err
    with pytest.raises(CaseError):
        load_case_list(tmp_path / "nope")
