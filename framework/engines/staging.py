"""Reading copy sources out of a context directory safely, for every engine and ``render -o``.

What was checked when the image was declared may have changed by the time it is built.
Staging therefore checks again, on the files it actually reads:

- a source path is resolved as at declaration (a symlink inside the context is followed
  to its target, which must be inside too), then opened one directory at a time from
  the context root with ``O_NOFOLLOW``, so a symlink swapped in at any point is refused
  instead of followed out of the context;
- inside a copied directory, symlinks are copied as links and never followed; regular
  files are opened without following links and checked to be the file that was listed;
- a fifo, socket or device, or a file or directory that cannot be read, is refused with
  a :class:`SpecError` naming it and how to leave it out, never sent empty or skipped;
  so is a directory more than :data:`MAX_DEPTH` levels below the context root;
- an archive that an add step unpacks must still be a tar archive;
- the context's patterns (``.dockerignore``, ``include``/``exclude``) decide what is
  sent; a directory appears when it is selected itself or holds something sent, as with
  Docker (an excluded directory with nothing re-included below it is absent).

Files are hard-linked where possible when ``link`` (fast, for a build), else copied.
Copies keep the source's mode and times; directories get their source's times.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from pathlib import Path
from typing import NoReturn

from framework.errors import SpecError
from framework.render import ContextEntry
from framework.spec import Inline
from framework.spec._base import where
from framework.spec.archives import archive_compression
from framework.spec.sources import ContextPath
from framework.spec.steps import INLINE_MODE
from framework.spec.urls import Url

__all__ = ["stage_context", "stage_source"]

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a fifo must not wait for a writer (it is refused after fstat).
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_CHUNK = 1 << 20
MAX_DEPTH = 500
"""Deepest directory staged, in levels below the context root: the walk (and Python's
own tree removal) recurses once per level, so a deeper tree is refused by name instead
of failing with a ``RecursionError`` (Docker sends it; no real project nests so deep)."""


def stage_context(entries: tuple[ContextEntry, ...], root: Path, *, link: bool = True) -> int:
    """Create ``root`` (absent or empty) holding each entry, or refuse and leave nothing;
    return the bytes of file content staged.

    That count is the size of the build context as the framework defines it: what a
    transfer to a builder that has none of it sends, less file metadata. (BuildKit's own
    "transferring context" figure is what changed since its last transfer.)

    Context sources are staged by :func:`stage_source`, which refuses symlinks leading
    out of the context, special files and unreadable files.
    Files are hard-linked where possible when ``link`` (fast, for a build), else copied
    (``render -o``: editing the output must never edit the sources). Inline files get
    ``$SOURCE_DATE_EPOCH`` (0 when unset) as their time, so equal inputs make equal layers.

    A ``root`` inside a directory that is copied (``render -o`` into the context) is
    refused before anything is written: the copy would contain itself.
    """
    _refuse_root_inside_a_source(entries, root)
    created = next((p for p in reversed((root, *root.parents)) if not p.exists()), None)
    root.mkdir(parents=True, exist_ok=True)
    try:
        _stage_entries(entries, root, link)
    except BaseException:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        else:
            _remove_entries(entries, root)
        raise
    return _content_bytes(root)


def _content_bytes(root: Path) -> int:
    """The bytes of the regular files below ``root`` (symlinks count as nothing)."""
    total = 0
    for here, _, files in os.walk(root):
        for name in files:
            info = os.lstat(os.path.join(here, name))
            if stat.S_ISREG(info.st_mode):
                total += info.st_size
    return total


def _stage_entries(entries: tuple[ContextEntry, ...], root: Path, link: bool) -> None:
    inline_time = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
    for entry in entries:
        target = root / entry.name
        if entry.file_name is not None:
            target.mkdir()
            target = target / entry.file_name
        source = entry.source
        if isinstance(source, Inline):
            target.write_bytes(source.content)
            target.chmod(INLINE_MODE)
            os.utime(target, (inline_time, inline_time))
        elif isinstance(source, Url):
            _stage_download(source, target, link)
        else:
            stage_source(source, target, link=link)
            if entry.unpacked:
                _refuse_unless_archive(source, target)


def _refuse_unless_archive(source: ContextPath, staged: Path) -> None:
    """An archive an add step unpacks must still be one: Docker would copy anything else."""
    if archive_compression(staged) in (None, "zstd"):
        raise SpecError(
            f"add source {source.path!r} is no longer a tar archive (plain, gzip, bzip2 or "
            "xz): it changed after the image was declared, and Docker's ADD would copy it "
            "instead of unpacking it; nothing was built",
            fix="restore the archive, or build again from an unchanging checkout",
            where=where(source.origin),
        )


def _stage_download(source: Url, target: Path, link: bool) -> None:
    """The verified download of ``source`` at ``target``, with its time (fetched now if
    the build did not fetch it first, as for ``render -o``)."""
    from framework.downloads import fetch  # loaded only by a plan that adds a URL

    kept = fetch(source, where=None if source.origin is None else str(source.origin))
    if link:
        with contextlib.suppress(OSError):
            os.link(kept, target)
            return
    shutil.copy2(kept, target)


def _remove_entries(entries: tuple[ContextEntry, ...], root: Path) -> None:
    """Undo a failed staging into a directory that existed: remove what it wrote."""
    for entry in entries:
        target = root / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)


def _refuse_root_inside_a_source(entries: tuple[ContextEntry, ...], root: Path) -> None:
    real_root = Path(os.path.realpath(root))
    for entry in entries:
        source = entry.source
        if isinstance(source, Inline | Url) or not source.is_dir:
            continue
        copied = Path(os.path.realpath(source.local_path))
        if real_root == copied or copied in real_root.parents:
            raise SpecError(
                f"the output directory {root} is inside {copied}, which a copy step copies: "
                "the copy would contain itself",
                fix=f"write the output outside {copied}",
                where=where(source.origin),
            )


def stage_source(source: ContextPath, target: Path, *, link: bool) -> None:
    """Write what copying ``source`` sends at ``target``: a file, or a directory of the
    selected files below it. ``target`` must not exist; its parent must."""
    _Stager(source, link).stage(target)


class _Stager:
    def __init__(self, source: ContextPath, link: bool) -> None:
        self.source = source
        self.root = source.context.path
        self.filter = source.context.path_filter()
        self.link = link

    def refuse(self, problem: str, fix: str) -> SpecError:
        return SpecError(problem, fix=fix, where=where(self.source.origin))

    def stage(self, target: Path) -> None:
        inner = self._resolve()
        parts = [] if inner == "." else inner.split("/")
        parent_fd = self._open_dir(None, str(self.root), ".")
        try:
            for index, part in enumerate(parts[:-1]):
                below = self._open_dir(parent_fd, part, "/".join(parts[: index + 1]))
                os.close(parent_fd)
                parent_fd = below
            self._stage_named(parent_fd, parts[-1] if parts else ".", inner, target)
        finally:
            os.close(parent_fd)

    def _resolve(self) -> str:
        """The source's path inside the context with symlinks resolved, as at declaration."""
        real = Path(os.path.realpath(self.root / self.source.path))
        if real != self.root and self.root not in real.parents:
            raise self.refuse(
                f"copy source {self.source.path!r} now resolves to {real}, outside the "
                f"context {self.root} (a symlink was put in its place after the image was "
                "declared); nothing was copied",
                "remove the symlink, or copy its target into the context",
            )
        return "." if real == self.root else real.relative_to(self.root).as_posix()

    def _stage_named(self, parent_fd: int, name: str, path: str, target: Path) -> None:
        info = os.fstat(parent_fd) if path == "." else self._lstat(parent_fd, name, path)
        if stat.S_ISDIR(info.st_mode) and self.source.is_dir:
            fd = parent_fd if path == "." else self._open_dir(parent_fd, name, path)
            try:
                excluded = path != "." and self.filter.excluded(path)
                if not self._stage_tree(fd, path, target, always=not excluded):
                    raise self.refuse(
                        f"copy source {self.source.path!r} is excluded by the context's "
                        "patterns (.dockerignore, include/exclude) and nothing below it is "
                        "re-included",
                        "change the patterns, or copy another path",
                    )
            finally:
                if fd != parent_fd:
                    os.close(fd)
        elif stat.S_ISREG(info.st_mode) and not self.source.is_dir:
            self._stage_file(parent_fd, name, path, info, target)
        elif stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
            kinds = ("a directory", "a file")
            was, now = kinds if self.source.is_dir else kinds[::-1]
            raise self.refuse(
                f"copy source {self.source.path!r} was {was} when the image was declared "
                f"and is now {now}",
                "build again from an unchanging checkout",
            )
        else:
            self._refuse_entry(path, info)

    def _stage_tree(self, dir_fd: int, path: str, target: Path, *, always: bool) -> bool:
        """Stage the selected entries below the directory ``dir_fd`` (at ``path``) into
        ``target``; return whether ``target`` was made (``always``, selected, or not empty)."""
        target.mkdir()
        made = always or path == "." or self.filter.selected(path)
        try:
            names = sorted(os.listdir(dir_fd))
        except OSError as exc:
            raise self._unreadable(path, exc) from None
        for name in names:
            child = name if path == "." else f"{path}/{name}"
            info = self._lstat(dir_fd, name, child)
            if stat.S_ISDIR(info.st_mode):
                if not self.filter.may_hold_selected(child):
                    continue
                if child.count("/") >= MAX_DEPTH:
                    raise self.refuse(
                        f"{self._name(child)} is more than {MAX_DEPTH} directories deep "
                        "below the context root, deeper than the framework stages",
                        f"leave it out with {self._exclude_hint(child)}",
                    )
                fd = self._open_dir(dir_fd, name, child)
                try:
                    made |= self._stage_tree(fd, child, target / name, always=False)
                finally:
                    os.close(fd)
            elif not self.filter.selected(child):
                continue
            elif stat.S_ISLNK(info.st_mode):
                try:
                    (target / name).symlink_to(os.readlink(name, dir_fd=dir_fd))
                except OSError:  # no longer a link
                    raise self._changed(child) from None
                made = True
            elif stat.S_ISREG(info.st_mode):
                self._stage_file(dir_fd, name, child, info, target / name)
                made = True
            else:
                self._refuse_entry(child, info)
        if not made:
            target.rmdir()
            return False
        own = os.fstat(dir_fd)
        os.chmod(target, stat.S_IMODE(own.st_mode))
        os.utime(target, ns=(own.st_atime_ns, own.st_mtime_ns))
        return True

    def _stage_file(
        self, dir_fd: int, name: str, path: str, listed: os.stat_result, target: Path
    ) -> None:
        try:
            fd = os.open(name, _FILE, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # replaced by a symlink since it was listed
                raise self._changed(path) from None
            raise self._unreadable(path, exc) from None
        try:
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) != (listed.st_dev, listed.st_ino):
                raise self._changed(path)
            if self.link and self._linked(dir_fd, name, info, target):
                return
            with target.open("wb") as out:
                while True:
                    try:
                        chunk = os.read(fd, _CHUNK)
                    except OSError as exc:
                        raise self._unreadable(path, exc) from None
                    if not chunk:
                        break
                    out.write(chunk)
            os.chmod(target, stat.S_IMODE(info.st_mode))
            os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
        finally:
            os.close(fd)

    @staticmethod
    def _linked(dir_fd: int, name: str, opened: os.stat_result, target: Path) -> bool:
        """Hard-link ``name`` at ``target`` if it is still the file opened; else leave none."""
        try:
            os.link(name, target, src_dir_fd=dir_fd, follow_symlinks=False)
        except OSError:  # another filesystem, or links not allowed: copy instead
            return False
        made = os.lstat(target)
        if (made.st_dev, made.st_ino) == (opened.st_dev, opened.st_ino):
            return True
        target.unlink()  # the name was replaced between open and link
        return False

    def _open_dir(self, dir_fd: int | None, name: str, path: str) -> int:
        try:
            return os.open(name, _DIR, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise self._changed(path) from None
            raise self._unreadable(path, exc) from None

    def _lstat(self, dir_fd: int, name: str, path: str) -> os.stat_result:
        try:
            return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError as exc:
            raise self._unreadable(path, exc) from None

    def _changed(self, path: str) -> SpecError:
        return self.refuse(
            f"{self._name(path)} changed while it was being staged (it is now a symlink or "
            "another file); it was not followed and nothing was copied",
            "build again from an unchanging checkout",
        )

    def _unreadable(self, path: str, exc: OSError) -> SpecError:
        if exc.errno == errno.ENOENT:
            return self.refuse(
                f"{self._name(path)} no longer exists (it was removed after the image was "
                "declared)",
                "restore it, or change the copy step",
            )
        return self.refuse(
            f"cannot read {self._name(path)}: {exc.strerror or exc}",
            f"make it readable (chmod a+r), or leave it out with {self._exclude_hint(path)}",
        )

    def _refuse_entry(self, path: str, info: os.stat_result) -> NoReturn:
        """Refuse what is neither a directory, a regular file nor (inside a copied
        directory) a symlink."""
        mode = info.st_mode
        if stat.S_ISLNK(mode):  # a named source that became a link after it was resolved
            raise self._changed(path)
        if stat.S_ISFIFO(mode):
            kind = "a fifo"
        elif stat.S_ISSOCK(mode):
            kind = "a socket"
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            kind = "a device"
        else:
            kind = "not a regular file"
        raise self.refuse(
            f"{self._name(path)} is {kind}, which cannot be copied into an image",
            f"leave it out with {self._exclude_hint(path)}, or remove it",
        )

    def _name(self, path: str) -> str:
        return f"{self.root / path if path != '.' else self.root}"

    def _exclude_hint(self, path: str) -> str:
        return f"exclude=[{path!r}] on the Context (or a line {path!r} in its .dockerignore)"
