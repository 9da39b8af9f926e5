"""Where copied files come from: a local context directory, or inline content.

A path inside another image is a third kind of source; it lives with ``Image``
(``image / "/path"``) because it refers to one.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path
from typing import Literal

from framework.errors import SpecError
from framework.spec._base import (
    Model,
    Origin,
    caller_origin,
    check_text,
    declared_path,
    origin_field,
    validated,
    where,
)
from framework.spec.dockerignore import IGNORE_FILE, check_patterns, read_dockerignore
from framework.spec.patterns import PathFilter

__all__ = ["Context", "ContextPath", "Inline"]


class Context(Model):
    """A directory on the machine that runs the build, from which steps copy files.

    ``Context("examples/flask_app")``: a relative path resolves against the directory
    of the file that declares the context (like a Dockerfile next to its sources), or
    the working directory in an interactive session. ``include`` and ``exclude`` use
    ``.dockerignore`` syntax (``*``, ``?``, ``**``, ``!`` for exceptions); a file is
    sent when it matches ``include`` (default: everything) and not ``exclude``.
    ``ctx / "requirements.txt"`` names a path inside the context.

    As with Docker, a ``.dockerignore`` in the directory is honoured: its patterns are
    read when the context is declared (``ignored``) and exclude files, relative to the
    context root, from every copy out of it, ``ctx / "sub"`` included; ``exclude``
    patterns apply after them (``"!name"`` re-includes what the file ignores), and
    ``include`` narrows further. ``dockerignore=False`` ignores the file. Ignored files
    are never sent and never enter the plan's digest. A malformed pattern, given here
    or in the file, is a :class:`SpecError` naming it.

    :func:`dataclasses.replace` makes a new context through this constructor, with every
    check again (``ignored`` is read again, not given).
    """

    path: Path
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    ignored: tuple[str, ...] = field(default=(), init=False)
    """The ``.dockerignore``'s patterns, read when the context is declared."""
    dockerignore: bool = field(default=True, compare=False, repr=False)
    origin: Origin | None = origin_field()

    def __init__(
        self,
        path: str | Path,
        *,
        include: str | Sequence[str] = (),
        exclude: str | Sequence[str] = (),
        dockerignore: bool = True,
        origin: Origin | None = None,
    ) -> None:
        origin = origin or caller_origin()
        if not isinstance(path, str | Path):
            raise SpecError(
                f"Context got {type(path).__name__}, not a path",
                fix="pass the directory as a string or a pathlib.Path",
                where=where(origin),
            )
        include = (include,) if isinstance(include, str) else tuple(include)
        exclude = (exclude,) if isinstance(exclude, str) else tuple(exclude)
        resolved = declared_path(path, origin)
        if not resolved.is_dir():
            raise SpecError(
                f"context directory {str(path)!r} does not exist (looked at {resolved})",
                fix="create the directory, or give a path relative to the declaring file",
                where=where(origin),
            )
        try:
            for pattern in (*include, *exclude):
                check_text(pattern, "context pattern")
        except SpecError as exc:
            raise exc.at(where(origin)) from None
        check_patterns("include", include, where(origin))
        check_patterns("exclude", exclude, where(origin))
        fields: dict[str, object] = {
            "path": resolved,
            "include": include,
            "exclude": exclude,
            "dockerignore": dockerignore,
            "origin": origin,
        }
        try:
            self._fill(fields)
        except SpecError as exc:
            raise exc.at(where(origin)) from None
        if dockerignore:
            object.__setattr__(self, "ignored", read_dockerignore(resolved, where(origin)))

    def __truediv__(self, relative: str) -> ContextPath:
        return ContextPath.inside(self, relative, caller_origin())

    @property
    def exclusions(self) -> tuple[str, ...]:
        """Every exclude pattern in force, in order: the ``.dockerignore``'s, then ``exclude``."""
        return (*self.ignored, *self.exclude)

    def path_filter(self) -> PathFilter:
        """Which paths (relative to the root) a copy out of this context sends."""
        return PathFilter(self.include, self.exclusions)


class ContextPath(Model):
    """A file or directory inside a :class:`Context`, relative to its root (``context /
    "path"``). Made, or remade by :func:`dataclasses.replace`, ``path`` is checked against
    the context: it must stay inside it, exist, be sent (not excluded) and be a regular
    file or directory; it is stored normalised, and ``is_dir`` says what it names."""

    kind: Literal["context"] = field(default="context", init=False)
    context: Context
    path: str
    """posix path relative to the context root; ``.`` is the root"""
    is_dir: bool = field(init=False)
    origin: Origin | None = origin_field()

    @classmethod
    def inside(cls, context: Context, relative: str, origin: Origin | None) -> ContextPath:
        """``relative`` inside ``context``, checked (see the class)."""
        return validated(cls, origin, context=context, path=relative, origin=origin)

    def _check(self) -> None:
        context, relative = self.context, self.path
        check_text(relative, "context path")
        if relative.startswith("/") or Path(relative).is_absolute():
            raise SpecError(
                f"copy source {relative!r} is an absolute path",
                fix=f"give a path relative to the context {context.path}",
            )
        # A backslash is an ordinary file-name character on POSIX, not a separator.
        normal = posixpath.normpath(relative)
        if normal == ".." or normal.startswith("../"):
            raise SpecError(
                f"copy source {relative!r} is outside the context {context.path}",
                fix="move the file into the context, or declare a Context that contains it",
            )
        full = context.path / normal
        if not full.exists() and not full.is_symlink():
            raise SpecError(
                f"copy source {relative!r} does not exist in the context {context.path}",
                fix="check the file name, or create the file",
            )
        if normal != ".":
            _refuse_if_excluded(context, normal, full.is_dir())
        real = full.resolve()
        if real != context.path and context.path not in real.parents:
            raise SpecError(
                f"copy source {relative!r} is a symlink to {real}, outside the context",
                fix="copy the target into the context instead of linking to it",
            )
        if real.exists() and not real.is_dir() and not real.is_file():
            raise SpecError(
                f"copy source {relative!r} is not a regular file or directory "
                "(a fifo, socket or device), which an image cannot hold",
                fix="copy a regular file instead",
            )
        object.__setattr__(self, "path", normal)
        object.__setattr__(self, "is_dir", real.is_dir())

    @property
    def local_path(self) -> Path:
        return self.context.path / self.path

    def describe(self) -> str:
        name = self.context.path.name
        return name if self.path == "." else f"{name}/{self.path}"


def _refuse_if_excluded(context: Context, path: str, is_dir: bool) -> None:
    """A named file must be sent. A directory is filtered file by file when copied, and
    is absent, as with Docker, when it is excluded and nothing below is re-included."""

    def absent(chosen: PathFilter) -> bool:
        if is_dir:
            return chosen.excluded(path) and not chosen.has_exceptions
        return not chosen.selected(path)

    if not absent(context.path_filter()):
        return
    if absent(PathFilter(context.include, context.exclude)):
        by, fix = "the context's include/exclude patterns", "change the patterns"
    else:
        by = f"the context's {IGNORE_FILE} ({context.path / IGNORE_FILE})"
        fix = f"remove it from {IGNORE_FILE}, or re-include it with exclude=['!{path}']"
    raise SpecError(f"copy source {path!r} is excluded by {by}", fix=f"{fix}, or copy another path")


class Inline(Model):
    """File content given in the pipeline: ``Inline("hello\\n")`` or bytes."""

    kind: Literal["inline"] = field(default="inline", init=False)
    content: bytes

    def __init__(self, content: str | bytes) -> None:
        if not isinstance(content, str | bytes):
            raise SpecError(
                f"Inline content is a {type(content).__name__}",
                fix="pass the file's content as str or bytes",
                where=where(caller_origin()),
            )
        data = content.encode() if isinstance(content, str) else content
        self._fill({"content": data})

    @property
    def sha256(self) -> str:
        import hashlib  # not needed to describe an image: loaded when a plan is made

        return hashlib.sha256(self.content).hexdigest()

    def describe(self) -> str:
        return f"inline ({len(self.content)} bytes)"
