"""A stored file digest (``file-digests.sqlite3``, as a new process reads it) is used only
while the file's size, mtime and inode all match: a file changed in place or replaced is
read again; a malformed stored row reads as nothing stored."""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from framework import Context, Image, compile
from framework.plan import content
from framework.plan.content import FileDigests, source_files
from framework.plan.digest import step_digests

OLD = 1_600_000_000_000_000_000  # ns: files older than the racy window are cached


def _aged(path: Path, content_: bytes, mtime_ns: int = OLD) -> None:
    path.write_bytes(content_)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def _digest_of(app: Path, store: Path, name: str) -> str:
    """The digest of ``app/name`` as a new process finds it, the store then updated."""
    files = FileDigests(store)
    found = source_files(Context(app) / name, files)["."].split()[-1]
    files.flush()
    return found


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    (root / "sub").mkdir(parents=True)
    _aged(root / "sub" / "a.txt", b"first")
    _aged(root / "b.txt", b"other")
    return root


def test_a_stored_digest_is_used_while_the_file_is_unchanged(
    app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "digests.sqlite3"
    image = Image.from_("debian:bookworm-slim").copy(Context(app), "/app")
    first = step_digests(compile(image), FileDigests(store))
    read: list[str] = []

    def unread(path: str) -> str:
        read.append(path)
        return "x"

    monkeypatch.setattr(content, "_hash_file", unread)
    assert step_digests(compile(image), FileDigests(store)) == first  # as a new process
    assert _digest_of(app, store, "sub/a.txt") == _sha(b"first")
    assert read == []


@pytest.mark.parametrize(
    "change",
    ["same size, other mtime", "same size and mtime, another inode", "other size, same mtime"],
)
def test_a_file_changed_in_place_or_replaced_is_read_again(
    app: Path, tmp_path: Path, change: str
) -> None:
    store = tmp_path / "digests.sqlite3"
    target = app / "sub" / "a.txt"
    assert _digest_of(app, store, "sub/a.txt") == _sha(b"first")
    if change == "same size, other mtime":
        _aged(target, b"FIRST", OLD + 1)
        expected = b"FIRST"
    elif change == "same size and mtime, another inode":
        replacement = app / "sub" / "new"
        _aged(replacement, b"FIRST")
        os.replace(replacement, target)
        expected = b"FIRST"
    else:
        _aged(target, b"first, longer")
        expected = b"first, longer"
    assert _digest_of(app, store, "sub/a.txt") == _sha(expected)
    in_directory = source_files(Context(app) / "sub", FileDigests(store))
    assert in_directory["a.txt"].split()[-1] == _sha(expected)


@pytest.mark.parametrize(
    "stored",
    [{"a.txt": (1, 2)}, {"a.txt": [5, OLD, 1, "x"]}, {"a.txt": (5, OLD, 1, 7)}, [1, 2], "text"],
)
def test_a_malformed_stored_row_reads_as_nothing_stored(
    app: Path, tmp_path: Path, stored: Any
) -> None:
    store = tmp_path / "digests.sqlite3"
    assert _digest_of(app, store, "sub/a.txt") == _sha(b"first")
    directory = str(app / "sub")
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        db.execute("UPDATE dirs SET stamps = ? WHERE dir = ?", (marshal.dumps(stored), directory))
    files = FileDigests(store)
    files.prime(str(app))
    assert files.stamps(directory) == {}
    assert _digest_of(app, store, "sub/a.txt") == _sha(b"first")
