"""Persistent generation cache in SQLite, so finished answers survive crashes, Ctrl-C and re-runs.

Keyed by the model's identity hash (weights, not name), the exact rendered prompt and the decoding
parameters. WAL mode lets parallel pytest workers read and write the same file safely; every
`put_many` commits at once. A fault of the cache never stops a run: see `GenerationCache`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from lorabench.backends.base import Generation, GenerationParams
from lorabench.run.notices import Notices

_SCHEMA = """
CREATE TABLE IF NOT EXISTS generations (
    key TEXT PRIMARY KEY,
    model_identity TEXT NOT NULL,
    prompt TEXT NOT NULL,
    params TEXT NOT NULL,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    seconds REAL NOT NULL,
    finish_reason TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def generation_key(model_identity: str, prompt: str, params: GenerationParams) -> str:
    blob = json.dumps([model_identity, prompt, params.to_dict()], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


OPEN_TIMEOUT_S = 30.0
_CORRUPT = {sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT}
_READ_ONLY = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH}


def _not_sqlite(path: Path) -> bool:
    """A non-empty file without SQLite's header (an empty file is a valid empty database)."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(16)
    except OSError:
        return False
    return bool(head) and head != b"SQLite format 3\x00"


def _primary_code(exc: sqlite3.Error) -> int:
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF


class GenerationCache:
    """The cache file at `path`. A corrupt file is moved aside and replaced by a fresh one; a cache that
    cannot be written (read-only directory or file) is read only; either is said once, in `notices`."""

    def __init__(self, path: Path, notices: Notices | None = None) -> None:
        self.path = path
        self.notices = notices or Notices()
        self.writable = True
        self._db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._db = self._open_read_only(f"cannot create {path.parent}: {exc.strerror or exc}")
            return
        # Checked before SQLite opens the file, which would discard its -wal. Two workers racing here may
        # move aside the fresh cache of the first: a loss of cached answers only, never of a report.
        if _not_sqlite(path):
            self._move_aside("file is not a database")
        try:
            self._db = self._open_waiting(path)
        except sqlite3.DatabaseError as exc:
            code = _primary_code(exc)
            if code in _CORRUPT:
                self._move_aside(str(exc))
                self._db = self._open_waiting(path)
            elif code in _READ_ONLY:
                self._db = self._open_read_only(str(exc))
            else:
                raise sqlite3.DatabaseError(f"{path}: cannot open the generation cache: {exc}") from None

    def _open_waiting(self, path: Path) -> sqlite3.Connection:
        deadline = time.monotonic() + OPEN_TIMEOUT_S
        while True:
            try:
                return self._open(path)
            except sqlite3.OperationalError as exc:
                # Two processes opening a new cache at once: SQLite refuses the journal-mode switch or the
                # schema at once ("locked") rather than waiting, so wait here, briefly and randomly.
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(random.uniform(0.01, 0.1))

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=60.0)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(_SCHEMA)
            db.commit()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _move_aside(self, reason: str) -> None:
        """Keep the unreadable file for inspection (with its -wal and -shm) and start afresh."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            try:  # another worker may have moved it already
                os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
            except FileNotFoundError:
                if not suffix:
                    return
        self.notices.say(
            f"{self.path} is not a readable SQLite database ({reason}); "
            f"moved it to {aside.name} and started a fresh cache"
        )

    def _open_read_only(self, reason: str) -> sqlite3.Connection | None:
        """Read the cache without writing to it: `mode=ro`, or `immutable=1` where SQLite cannot even
        create its shared-memory file next to it (a read-only directory)."""
        self.writable = False
        db = None
        for flag in ("mode=ro", "immutable=1"):
            try:
                db = sqlite3.connect(f"{self.path.resolve().as_uri()}?{flag}", uri=True, timeout=60.0)
                db.execute("SELECT count(*) FROM generations").fetchone()
                break
            except sqlite3.Error:
                if db is not None:
                    db.close()
                db = None
        used = "cached answers are used, new ones are not stored" if db else "answers are not cached"
        self.notices.say(f"the generation cache {self.path} cannot be written ({reason}): {used}")
        return db

    def get_many(self, keys: Iterable[str]) -> dict[str, Generation]:
        found: dict[str, Generation] = {}
        wanted = list(dict.fromkeys(keys))
        try:
            self._read(wanted, found)
        except sqlite3.DatabaseError as exc:  # damaged pages behind a readable header: generate instead
            self.notices.say(f"cannot read the generation cache {self.path} ({exc}): generating those answers")
        return found

    def _read(self, wanted: list[str], found: dict[str, Generation]) -> None:
        if self._db is None:
            return
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT key, text, prompt_tokens, completion_tokens, seconds, finish_reason "
                f"FROM generations WHERE key IN ({marks})",
                chunk,
            )
            for key, text, prompt_tokens, completion_tokens, seconds, finish in rows:
                found[key] = Generation(text, prompt_tokens, completion_tokens, seconds, finish, from_cache=True)

    def put_many(self, model_identity: str, entries: Iterable[tuple[str, str, GenerationParams, Generation]]) -> None:
        """Store (key, prompt, params, generation) rows and commit them in one transaction. A cache that
        cannot be written says so once and stores nothing more; the answers stay with the run."""
        if self._db is None or not self.writable:
            return
        try:
            self._write(model_identity, list(entries))
        except (UnicodeError, ValueError) as exc:  # one row that cannot be stored; the next ones still can
            self.notices.say(f"an answer could not be stored in the generation cache {self.path}: {exc}")
        except sqlite3.Error as exc:
            self.writable = False
            self.notices.say(
                f"cannot store answers in the generation cache {self.path} ({exc}): "
                "this run's answers are reported but not cached"
            )

    def _write(self, model_identity: str, entries: list[tuple[str, str, GenerationParams, Generation]]) -> None:
        assert self._db is not None
        now = time.time()
        rows = [
            (
                key,
                model_identity,
                prompt,
                json.dumps(params.to_dict()),
                g.text,
                g.prompt_tokens,
                g.completion_tokens,
                g.seconds,
                g.finish_reason,
                now,
            )
            for key, prompt, params, g in entries
        ]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
