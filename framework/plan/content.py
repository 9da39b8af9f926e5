"""What a copy source sends, as a digest: file bytes, modes and symlink targets after the
context's filters (``.dockerignore`` included), never where the checkout lives.

File digests are cached by (path, size, mtime_ns, inode), once a file is a few seconds
old (a younger one may change again with the same key): in this process, and in
``$XDG_CACHE_HOME/framework/file-digests.sqlite3`` (``~/.cache`` when unset) so that a
plan of an unchanged context only reads directory entries. The persistent cache is an
optimisation only: when it is missing, locked by another writer, unwritable or
corrupt, digests are computed from the files (a corrupt cache is replaced).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
import time
from pathlib import Path

from framework.errors import SpecError
from framework.spec._base import where
from framework.spec.patterns import PathFilter
from framework.spec.sources import ContextPath, Inline

__all__ = ["FileDigests", "default_store", "source_digest", "source_files"]

_CHUNK = 1 << 20
_RACY_NS = 2_000_000_000
_FileKey = tuple[str, int, int, int]  # path, size, mtime_ns, inode


class FileDigests:
    """File content digests by (path, size, mtime_ns, inode), kept in memory and, when
    ``store`` is given, in that SQLite file (shared by processes; writes are best effort)."""

    def __init__(self, store: Path | None = None) -> None:
        self._memory: dict[_FileKey, str] = {}
        self._store = store
        self._primed: set[str] = set()
        self._new: list[tuple[str, str, int, int, int, str]] = []

    def digest(self, path: str, info: os.stat_result) -> str:
        """The sha256 of the regular file ``path`` whose ``lstat`` is ``info``."""
        key = (path, info.st_size, info.st_mtime_ns, info.st_ino)
        found = self._memory.get(key)
        if found is None:
            found = _hash_file(path)
            # A file changed again within the clock's resolution keeps its key: digests of
            # files modified in the last seconds are not kept (git's "racy" rule).
            if info.st_mtime_ns < time.time_ns() - _RACY_NS:
                self._memory[key] = found
                self._new.append((os.path.dirname(path), *key, found))
        return found

    def prime(self, root: str) -> None:
        """Read the stored digests of the files below ``root`` (once per root)."""
        if self._store is None or root in self._primed:
            return
        self._primed.add(root)
        prefix = root.rstrip("/") + "/"
        rows = self._query(
            "SELECT path, size, mtime_ns, inode, digest FROM files WHERE path >= ? AND path < ?",
            (prefix, prefix[:-1] + "0"),  # "0" follows "/": every path below root sorts here
        )
        for path, size, mtime_ns, inode, digest in rows or ():
            self._memory.setdefault((path, size, mtime_ns, inode), digest)

    def flush(self) -> None:
        """Write the digests computed since the last flush to the store (best effort)."""
        if self._store is None or not self._new:
            return
        rows, self._new = self._new, []
        self._query("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)", rows, many=True)

    def _query(
        self, sql: str, params: object, *, many: bool = False
    ) -> list[tuple[str, int, int, int, str]] | None:
        assert self._store is not None
        try:
            self._store.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self._store, timeout=0.5)
        except (OSError, sqlite3.Error):
            return None
        try:
            with db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS files (dir TEXT, path TEXT PRIMARY KEY,"
                    " size INTEGER, mtime_ns INTEGER, inode INTEGER, digest TEXT)"
                )
                if many:
                    db.executemany(sql, params)  # type: ignore[arg-type]
                    return []
                return list(db.execute(sql, params))  # type: ignore[arg-type]
        except sqlite3.OperationalError:  # locked by another writer, read-only, disk full
            return None
        except sqlite3.DatabaseError:  # not a database: start again next time
            with contextlib.suppress(OSError):
                self._store.unlink()
            return None
        finally:
            db.close()


def default_store() -> Path:
    """Where digests persist: ``$XDG_CACHE_HOME/framework`` (``~/.cache/framework``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "framework" / "file-digests.sqlite3"


def source_digest(source: ContextPath | Inline, files: FileDigests) -> str:
    """The digest of what copying ``source`` sends (see the module docstring)."""
    if isinstance(source, Inline):
        return "inline:" + source.sha256
    lines = _walk(source, files).lines
    return "tree:" + hashlib.sha256("".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


def source_files(source: ContextPath | Inline, files: FileDigests) -> dict[str, str]:
    """What copying ``source`` sends, entry by entry: per path relative to the source
    (``.`` for the source itself) its kind, mode or link target, and content digest,
    as :func:`source_digest` covers them (for saying which file changed)."""
    if isinstance(source, Inline):
        return {".": "inline:" + source.sha256}
    found: dict[str, str] = {}
    for line in _walk(source, files).lines:
        kind, detail, digest, name, _ = line.split("\0")
        found[name] = f"{kind} {detail} {digest}".rstrip()
    return found


def _walk(source: ContextPath, files: FileDigests) -> _Walk:
    root = str(source.context.path)
    files.prime(root)
    walk = _Walk(source, files)
    real = os.path.realpath(os.path.join(root, source.path))
    inner = "." if real == root else os.path.relpath(real, root)
    info = walk.lstat(real, inner)
    if stat.S_ISDIR(info.st_mode):
        walk.tree(real, inner, ".")
    elif stat.S_ISREG(info.st_mode):
        walk.add("f", f"{stat.S_IMODE(info.st_mode):o}", files.digest(real, info), ".")
    else:
        walk.add("?", f"{stat.S_IFMT(info.st_mode):o}", "", ".")
    return walk


class _Walk:
    """The selected entries below a directory source, one line each, sorted by path
    (relative to the source, so a source's digest does not depend on where it lives)."""

    def __init__(self, source: ContextPath, files: FileDigests) -> None:
        self.source = source
        self.filter: PathFilter = source.context.path_filter()
        self.files = files
        self.lines: list[str] = []

    def add(self, kind: str, detail: str, digest: str, name: str) -> None:
        self.lines.append(_entry(kind, detail, digest, name))

    def lstat(self, path: str, inner: str) -> os.stat_result:
        try:
            return os.lstat(path)
        except OSError as exc:
            raise SpecError(
                f"cannot read {inner!r} in the context {self.source.context.path}: "
                f"{exc.strerror or exc}",
                fix="check that the file exists and is readable",
                where=where(self.source.origin),
            ) from None

    def tree(self, real: str, inner: str, shown: str) -> bool:
        """Add the lines of the directory ``real`` (``inner`` relative to the context
        root, ``shown`` relative to the source); return whether it is sent."""
        mark = len(self.lines)
        try:
            entries = sorted(os.scandir(real), key=lambda e: e.name)
        except OSError as exc:
            raise SpecError(
                f"cannot list {inner!r} in the context {self.source.context.path}: "
                f"{exc.strerror or exc}",
                fix="make the directory readable",
                where=where(self.source.origin),
            ) from None
        made = shown == "." or self.filter.selected(inner)
        for entry in entries:
            child = entry.name if inner == "." else f"{inner}/{entry.name}"
            label = entry.name if shown == "." else f"{shown}/{entry.name}"
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                if self.filter.may_hold_selected(child):
                    made |= self.tree(entry.path, child, label)
                continue
            if not self.filter.selected(child):
                continue
            made = True
            if stat.S_ISLNK(info.st_mode):
                self.add("l", os.readlink(entry.path), "", label)
            elif stat.S_ISREG(info.st_mode):
                digest = self.files.digest(entry.path, info)
                self.add("f", f"{stat.S_IMODE(info.st_mode):o}", digest, label)
            else:
                self.add("?", f"{stat.S_IFMT(info.st_mode):o}", "", label)
        if made:
            mode = stat.S_IMODE(os.stat(real).st_mode)
            self.lines.insert(mark, _entry("d", f"{mode:o}", "", shown))
        return made


def _entry(kind: str, detail: str, digest: str, name: str) -> str:
    # Four NUL-terminated fields: no name or link target holds a NUL, so entries never blur.
    return f"{kind}\0{detail}\0{digest}\0{name}\0"


def _hash_file(path: str) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as file:
            while chunk := file.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise SpecError(
            f"cannot read {path}: {exc.strerror or exc}",
            fix="check that the file exists and is readable",
        ) from None
    return digest.hexdigest()
