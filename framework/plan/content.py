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
import functools
import hashlib
import marshal
import os
import sqlite3
import stat
import time
from operator import attrgetter, itemgetter
from pathlib import Path

from framework.errors import SpecError
from framework.spec._base import where
from framework.spec.patterns import PathFilter
from framework.spec.sources import ContextPath, Inline
from framework.spec.urls import Url

__all__ = ["FileDigests", "default_store", "source_digest", "source_files"]

_CHUNK = 1 << 20
_DIGEST = itemgetter(3)
_FORMAT = 0o170000  # stat.S_IFMT's mask
_DIR, _REG, _LNK = stat.S_IFDIR, stat.S_IFREG, stat.S_IFLNK
_RACY_NS = 2_000_000_000
_Stamp = tuple[int, int, int, str]  # size, mtime_ns, inode, digest


class FileDigests:
    """File content digests by (path, size, mtime_ns, inode), kept in memory and, when
    ``store`` is given, in that SQLite file (shared by processes; writes are best effort).

    The store holds one row per directory (its files' stamps, marshalled), so that a
    plan of an unchanged context reads a row per directory, not one per file: its cost
    is then one ``lstat`` per file, as for BuildKit's own context transfer.
    """

    def __init__(self, store: Path | None = None) -> None:
        self._dirs: dict[str, dict[str, _Stamp]] = {}
        self._stored: dict[str, bytes] = {}
        self._store = store
        self._primed: set[str] = set()
        self._changed: set[str] = set()

    def digest(self, path: str, info: os.stat_result) -> str:
        """The sha256 of the regular file ``path`` whose ``lstat`` is ``info``."""
        directory, _, name = path.rpartition("/")
        known = self.stamps(directory)
        stamp = known.get(name)
        if stamp is not None and stamp[:3] == (info.st_size, info.st_mtime_ns, info.st_ino):
            return stamp[3]
        found = _hash_file(path)
        # A file changed again within the clock's resolution keeps its key: digests of
        # files modified in the last seconds are not kept (git's "racy" rule).
        if info.st_mtime_ns < time.time_ns() - _RACY_NS:
            known[name] = (info.st_size, info.st_mtime_ns, info.st_ino, found)
            self._changed.add(directory)
        return found

    def prime(self, root: str) -> None:
        """Read the stored digests of the files in and below ``root`` (once per root);
        each directory's are decoded when a file of it is first asked for."""
        if self._store is None or root in self._primed:
            return
        self._primed.add(root)
        root = root.rstrip("/") or "/"
        prefix = root.rstrip("/") + "/"
        rows = self._query(
            "SELECT dir, stamps FROM dirs WHERE dir = ? OR (dir >= ? AND dir < ?)",
            (root, prefix, prefix[:-1] + "0"),  # "0" follows "/": every dir below root
        )
        for directory, blob in rows or ():
            if directory not in self._dirs:
                self._stored[directory] = blob

    def flush(self) -> None:
        """Write the directories whose digests changed since the last flush (best effort)."""
        if self._store is None or not self._changed:
            return
        changed, self._changed = self._changed, set()
        rows = [(d, marshal.dumps(self._dirs[d])) for d in sorted(changed)]
        self._query("INSERT OR REPLACE INTO dirs VALUES (?, ?)", rows, many=True)

    def stamps(self, directory: str) -> dict[str, _Stamp]:
        """The known (size, mtime_ns, inode, digest) of the files of ``directory`` by name;
        a digest holds while the file's first three still match its ``lstat``."""
        known = self._dirs.get(directory)
        if known is None:
            known = _decode(self._stored.pop(directory, b""))
            self._dirs[directory] = known
        return known

    def _query(
        self, sql: str, params: object, *, many: bool = False
    ) -> list[tuple[str, bytes]] | None:
        assert self._store is not None
        try:
            self._store.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self._store, timeout=0.5)
        except (OSError, sqlite3.Error):
            return None
        try:
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS dirs (dir TEXT PRIMARY KEY, stamps BLOB)")
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


def _decode(blob: bytes) -> dict[str, _Stamp]:
    """A directory's stored stamps; anything malformed reads as none stored."""
    if not blob:
        return {}
    try:
        stamps = marshal.loads(blob)
    except (EOFError, ValueError, TypeError):
        return {}
    # Checked with C loops (map), not a Python expression per file: this runs for every
    # directory of a context on every plan.
    if not isinstance(stamps, dict) or not (
        set(map(type, stamps.values())) <= {tuple} and set(map(len, stamps.values())) <= {4}
    ):
        return {}
    if stamps and not set(map(type, map(_DIGEST, stamps.values()))) <= {str}:
        return {}
    return stamps


def default_store() -> Path:
    """Where digests persist: ``$XDG_CACHE_HOME/framework`` (``~/.cache/framework``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "framework" / "file-digests.sqlite3"


def source_digest(source: ContextPath | Inline | Url, files: FileDigests) -> str:
    """The digest of what copying ``source`` sends (see the module docstring). A URL's
    is its declared sha256: the download is checked against it before any build, and
    where it was fetched from does not change what it adds."""
    if isinstance(source, Inline):
        return "inline:" + source.sha256
    if isinstance(source, Url):
        return "download:" + source.sha256
    lines = _walk(source, files).lines
    return "tree:" + hashlib.sha256("".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


def source_files(source: ContextPath | Inline | Url, files: FileDigests) -> dict[str, str]:
    """What copying ``source`` sends, entry by entry: per path relative to the source
    (``.`` for the source itself) its kind, mode or link target, and content digest,
    as :func:`source_digest` covers them (for saying which file changed)."""
    if isinstance(source, Inline | Url):
        return {".": source_digest(source, files)}
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
            # Listed through a descriptor, an entry's lstat resolves its name alone,
            # not the whole path (a tenth less time on a large context).
            directory = os.open(real, os.O_RDONLY | os.O_DIRECTORY)
            try:
                entries = sorted(os.scandir(directory), key=_NAME)
                infos = [entry.stat(follow_symlinks=False) for entry in entries]
            finally:
                os.close(directory)
        except OSError as exc:
            raise SpecError(
                f"cannot list {inner!r} in the context {self.source.context.path}: "
                f"{exc.strerror or exc}",
                fix="make the directory readable",
                where=where(self.source.origin),
            ) from None
        path_filter = self.filter
        made = shown == "." or path_filter.selected(inner)
        everything = path_filter.selects_everything
        lines, digest, known = self.lines, self.files.digest, self.files.stamps(real)
        in_context = "" if inner == "." else inner + "/"
        in_source = "" if shown == "." else shown + "/"
        # The loop runs once per file of the context on every plan: plain int and string
        # operations, no call that the lstat does not need.
        for entry, info in zip(entries, infos, strict=True):
            name = entry.name
            mode = info.st_mode
            kind = mode & _FORMAT
            if kind == _DIR:
                child = in_context + name
                if everything or path_filter.may_hold_selected(child):
                    made |= self.tree(f"{real}/{name}", child, in_source + name)
                continue
            if not (everything or path_filter.selected(in_context + name)):
                continue
            made = True
            if kind == _REG:
                stamp = known.get(name)
                if (
                    stamp is not None
                    and stamp[0] == info.st_size
                    and stamp[1] == info.st_mtime_ns
                    and stamp[2] == info.st_ino
                ):
                    found = stamp[3]
                else:
                    found = digest(f"{real}/{name}", info)
                lines.append(f"f\0{_permissions(mode)}\0{found}\0{in_source}{name}\0")
            elif kind == _LNK:
                lines.append(_entry("l", os.readlink(f"{real}/{name}"), "", in_source + name))
            else:
                lines.append(_entry("?", f"{kind:o}", "", in_source + name))
        if made:
            mode = stat.S_IMODE(os.stat(real).st_mode)
            self.lines.insert(mark, _entry("d", f"{mode:o}", "", shown))
        return made


_NAME = attrgetter("name")


@functools.cache
def _permissions(mode: int) -> str:
    """The permission bits of ``mode`` in octal, as an entry shows them."""
    return f"{stat.S_IMODE(mode):o}"


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
