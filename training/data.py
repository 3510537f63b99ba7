"""Training data: load a dataset (hub id or local file), turn each row into chat messages, filter, split.

Two row shapes are understood, the two datasets our users train on:
- "sharegpt" (FineTome-100k): `conversations` = [{"from": "human"|"gpt"|"system", "value": ...}]
- "finance" (Finance-Instruct-500k): `system`, `user`, `assistant` columns.
Every row gets a stable id (a hash of its messages), so held-out rows and contamination checks can name
rows without relying on their position in a file.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path
from typing import Any

Message = dict[str, str]
SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}
FORMATS = ("sharegpt", "finance")


class DataSourceError(RuntimeError):
    """A dataset that cannot be read here; the message says what to download and where to put it."""


def load_rows(source: str, split: str = "train") -> list[dict[str, Any]]:
    """Rows of a local .jsonl/.json/.parquet file, a local dataset directory, or a hub dataset id."""
    import datasets

    path = Path(source).expanduser()
    try:
        if path.is_file():
            kind = {".jsonl": "json", ".json": "json", ".parquet": "parquet"}.get(path.suffix)
            if kind is None:
                raise DataSourceError(f"dataset {source}: expected a .jsonl, .json or .parquet file")
            loaded = datasets.load_dataset(kind, data_files=str(path), split=split)
        elif path.is_dir():
            loaded = datasets.load_dataset(str(path), split=split)
        else:
            loaded = datasets.load_dataset(hub_snapshot(source, split), split=split)
    except DataSourceError:
        raise
    except Exception as exc:  # missing files, bad splits and unreadable data end in the same advice
        raise _cannot_load(source, split, exc) from None
    return [dict(row) for row in loaded]


def _cannot_load(source: str, split: str, exc: Exception) -> DataSourceError:
    reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    if Path(source).expanduser().exists():
        return DataSourceError(f"dataset {source} (split {split}) cannot be read: {reason}")
    local = f"data/{source.rsplit('/', 1)[-1]}"
    return DataSourceError(
        f"dataset {source} (split {split}) cannot be loaded here ({reason}); where the hub is reachable run "
        f"`hf download {source} --repo-type dataset --local-dir {local}`, copy {local} here and pass "
        f"--set dataset={local}"
    )


def hub_snapshot(source: str, split: str) -> str:
    """The local copy of a hub dataset: from the hub cache, else fetched once. huggingface_hub fails at once
    without a network, where `datasets.load_dataset(hub_id)` retries for half a minute."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return snapshot_download(source, repo_type="dataset", local_files_only=True)
    except LocalEntryNotFoundError:
        pass
    try:
        return snapshot_download(source, repo_type="dataset")
    except Exception as exc:
        raise _cannot_load(source, split, exc) from None


def sharegpt_messages(row: dict[str, Any]) -> list[Message]:
    """ShareGPT turns as role/content messages (the standardisation unsloth's notebooks apply)."""
    turns = row.get("conversations")
    if not isinstance(turns, list):
        raise ValueError("a sharegpt row needs a 'conversations' list")
    messages = []
    for turn in turns:
        role = SHAREGPT_ROLES.get(str(turn.get("from", turn.get("role", ""))).lower())
        if role is None:
            raise ValueError(f"unknown ShareGPT speaker {turn.get('from')!r}")
        messages.append({"role": role, "content": str(turn.get("value", turn.get("content", "")))})
    return messages


def finance_messages(row: dict[str, Any]) -> list[Message]:
    system = [{"role": "system", "content": row["system"]}] if (row.get("system") or "").strip() else []
    user = {"role": "user", "content": str(row.get("user") or "")}
    return [*system, user, {"role": "assistant", "content": str(row.get("assistant") or "")}]


def row_messages(row: dict[str, Any], data_format: str) -> list[Message]:
    if data_format == "sharegpt":
        return sharegpt_messages(row)
    if data_format == "finance":
        return finance_messages(row)
    raise ValueError(f"unknown dataset_format {data_format!r}; known: {', '.join(FORMATS)}")


def sample_id(messages: list[Message]) -> str:
    """A stable id for a conversation: the first 16 hex digits of the sha256 of its messages."""
    return hashlib.sha256(json.dumps(messages, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


ENGLISH_WORDS = frozenset(
    "the is are was were of to and in that it for on with as be this by at or from which an its their has have "
    "will can not if you your than into".split()
)


def _mostly_english(text: str) -> bool:
    """Latin letters, and English function words among the words: a cheap filter, not a language model."""
    letters = [c for c in text if c.isalpha()]
    words = [word for word in re.findall(r"\w+", text.lower()) if word.isalpha()]
    if not letters or not words or sum(c.isascii() for c in letters) / len(letters) < 0.95:
        return False
    return sum(word in ENGLISH_WORDS for word in words) / len(words) >= 0.08


def keep_finance_row(messages: list[Message]) -> bool:
    """The seed project's finance filter: a non-empty question, an answer of 30-3000 characters that is more
    than a bare label (e.g. "positive"), in English."""
    question = next((m["content"] for m in messages if m["role"] == "user"), "")
    answer = next((m["content"] for m in messages if m["role"] == "assistant"), "")
    if not question.strip() or not answer.strip():
        return False
    if len(re.findall(r"\w+", answer)) <= 2:  # a label, not an answer
        return False
    return 30 <= len(answer) <= 3000 and _mostly_english(question + " " + answer)


def conversations(rows: list[dict[str, Any]], data_format: str, finance_filter: bool) -> list[list[Message]]:
    """Every usable conversation: with an assistant turn, and through the finance filter when asked."""
    kept = []
    for row in rows:
        messages = row_messages(row, data_format)
        if not any(m["role"] == "assistant" and m["content"].strip() for m in messages):
            continue
        if finance_filter and not keep_finance_row(messages):
            continue
        kept.append(messages)
    return kept


def shuffled(items: list[list[Message]], seed: int | None) -> list[list[Message]]:
    """A copy of `items`, shuffled reproducibly with `seed` (in order when None). The held-out rows come from
    their own split (`held_out_split`), not from here."""
    items = list(items)
    if seed is not None:
        random.Random(seed).shuffle(items)
    return items
