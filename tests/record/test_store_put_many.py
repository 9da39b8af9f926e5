"""``RecordStore.put_many``: every entry in one transaction, or none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from framework.record.store import RecordStore


def test_put_many_writes_every_entry(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "r.sqlite3")
    assert store.put_many([("build", "k", {"x": 1}), ("tag", "t1", [1]), ("tag", "t2", "v")])
    assert store.get("build", "k") == {"x": 1}
    assert store.get("tag", "t1") == [1]
    assert store.get("tag", "t2") == "v"


def test_put_many_writes_nothing_when_the_store_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    store = RecordStore(path)
    assert store.put("build", "k", {"x": 1})
    holder = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another writer holds the file
        slow = RecordStore(path)
        assert slow.put_many([("build", "k", {"x": 2}), ("tag", "t", 1)]) is False
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.get("build", "k") == {"x": 1}
    assert store.get("tag", "t") is None


def test_put_many_on_an_unwritable_place_is_false(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the directory should be")
    store = RecordStore(blocker / "sub" / "r.sqlite3")
    assert store.put_many([("build", "k", 1), ("tag", "t", 2)]) is False
