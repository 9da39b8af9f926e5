"""The record store: whole entries under concurrent writers (threads and processes),
corrupt entries ignored, a corrupt file replaced, never an error."""

from __future__ import annotations

import contextlib
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from framework.record.store import RecordStore, default_path


def test_values_round_trip_and_missing_keys_are_none(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "r.sqlite3")
    assert store.get("build", "k") is None
    assert store.put("build", "k", {"image_id": "sha256:1", "n": [1, 2]})
    assert store.get("build", "k") == {"image_id": "sha256:1", "n": [1, 2]}
    assert store.get("tag", "k") is None  # kinds are separate
    store.delete("build", "k")
    assert store.get("build", "k") is None


def test_default_path_is_in_the_users_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert default_path() == Path("/somewhere/framework/records.sqlite3")


def test_a_corrupt_entry_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    store = RecordStore(path)
    store.put("build", "good", {"x": 1})
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("INSERT INTO entries VALUES ('build', 'bad', '{not json')")
    assert store.get("build", "bad") is None
    assert store.get("build", "good") == {"x": 1}
    assert store.put("build", "bad", {"x": 2})  # and can be written over
    assert store.get("build", "bad") == {"x": 2}


def test_a_corrupt_file_is_replaced_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    path.write_bytes(b"garbage, not SQLite " * 500)
    store = RecordStore(path)
    assert store.get("build", "k") is None  # reading it replaces it
    assert store.put("build", "k", {"x": 1})
    assert store.get("build", "k") == {"x": 1}


def test_an_unwritable_place_reads_empty_and_drops_writes(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the directory should be")
    store = RecordStore(blocker / "sub" / "r.sqlite3")
    assert store.get("build", "k") is None
    assert store.put("build", "k", {"x": 1}) is False


def _write_many(path: str, worker: int, count: int) -> None:
    store = RecordStore(Path(path))
    for n in range(count):
        store.put("build", f"{worker}-{n}", {"worker": worker, "n": n, "pad": "x" * 500})
        store.put("tag", "shared", {"worker": worker, "n": n, "pad": "y" * 500})


def _check_all(store: RecordStore, workers: int, count: int) -> None:
    for worker in range(workers):
        for n in range(count):
            assert store.get("build", f"{worker}-{n}") == {
                "worker": worker,
                "n": n,
                "pad": "x" * 500,
            }
    shared = store.get("tag", "shared")
    assert isinstance(shared, dict)
    assert shared["pad"] == "y" * 500  # one writer's whole entry, never a mix


def test_concurrent_threads_each_leave_whole_entries(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    threads = [
        threading.Thread(target=_write_many, args=(str(path), worker, 40)) for worker in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _check_all(RecordStore(path), 6, 40)


def test_concurrent_processes_each_leave_whole_entries(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_write_many, args=(str(path), worker, 40)) for worker in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    _check_all(RecordStore(path), 4, 40)
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
