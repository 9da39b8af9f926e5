"""A small persistent key-value store in the user's cache directory, shared by processes.

One SQLite file, ``$XDG_CACHE_HOME/framework/records.sqlite3`` (``~/.cache`` when
unset), in WAL mode so readers never wait for a writer and a writer's transaction is
all or nothing: two builds writing at once each leave a whole entry. Values are JSON.

Everything here is an optimisation and never an error: a missing, locked or unwritable
file reads as empty and drops writes; a file that is not a database is replaced; an
entry that is not valid JSON (or not what the reader expects) is ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["RecordStore", "default_path"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries ("
    " kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, key))"
)


def default_path() -> Path:
    """``$XDG_CACHE_HOME/framework/records.sqlite3`` (``~/.cache/framework/...``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "framework" / "records.sqlite3"


class RecordStore:
    """Entries by ``(kind, key)``: ``get`` returns the decoded JSON or ``None``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection | None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        except (OSError, sqlite3.Error):
            yield None
            return
        try:
            try:
                # WAL persists in the file: switching needs an exclusive lock that
                # concurrent first users would fight over, so only the first one asks.
                if db.execute("PRAGMA journal_mode").fetchone() != ("wal",):
                    db.execute("PRAGMA journal_mode=WAL")
                db.execute(_SCHEMA)
            except sqlite3.OperationalError:  # locked, read-only, disk full
                yield None
                return
            except sqlite3.DatabaseError:  # not a database: replace it
                db.close()
                self._replace()
                yield None
                return
            yield db
        finally:
            db.close()

    def _replace(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")

    def get(self, kind: str, key: str) -> Any:
        """The value stored under ``(kind, key)``, or ``None``."""
        with self._connect() as db:
            if db is None:
                return None
            try:
                row = db.execute(
                    "SELECT value FROM entries WHERE kind = ? AND key = ?", (kind, key)
                ).fetchone()
            except sqlite3.OperationalError:
                return None
            except sqlite3.DatabaseError:
                db.close()
                self._replace()
                return None
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except (ValueError, TypeError):
            return None

    def put(self, kind: str, key: str, value: Any) -> bool:
        """Store ``value`` under ``(kind, key)`` in one transaction; ``False`` when it
        could not be written (the store is then left as it was)."""
        return self.put_many([(kind, key, value)])

    def put_many(self, entries: list[tuple[str, str, Any]]) -> bool:
        """Store each ``(kind, key, value)`` in one transaction (one commit and one
        connection for all: each costs milliseconds); ``False`` when they could not be
        written (the store is then left as it was)."""
        encoded = [
            (kind, key, json.dumps(value, sort_keys=True, separators=(",", ":")))
            for kind, key, value in entries
        ]
        with self._connect() as db:
            if db is None:
                return False
            try:
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    "INSERT OR REPLACE INTO entries (kind, key, value) VALUES (?, ?, ?)",
                    encoded,
                )
                db.execute("COMMIT")
            except sqlite3.OperationalError:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                return False
            except sqlite3.DatabaseError:
                db.close()
                self._replace()
                return False
        return True

    def delete(self, kind: str, key: str) -> None:
        """Forget ``(kind, key)`` (best effort)."""
        with self._connect() as db:
            if db is None:
                return
            with contextlib.suppress(sqlite3.Error):
                db.execute("DELETE FROM entries WHERE kind = ? AND key = ?", (kind, key))
