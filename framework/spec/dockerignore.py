"""A context directory's ``.dockerignore``, read and checked when the ``Context`` is declared.

Docker reads the ``.dockerignore`` at the root of the build context and applies it,
relative to that root, to everything it sends; a ``Context`` does the same for every
path copied from it (``ctx / "sub"`` included). A ``.dockerignore`` in a sub-directory
is an ordinary file. The ``.dockerignore`` itself is sent, as Docker sends it, unless a
pattern excludes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from framework.errors import SpecError
from framework.spec.patterns import BadPattern, PathFilter, read_ignore_file

__all__ = ["IGNORE_FILE", "check_patterns", "read_dockerignore"]

IGNORE_FILE = ".dockerignore"


def read_dockerignore(directory: Path, where: str | None) -> tuple[str, ...]:
    """The patterns of ``directory/.dockerignore`` (none when there is no such file).

    A malformed pattern, or a file that cannot be read, is a :class:`SpecError` naming
    the file and line; ``where`` is the pipeline line that declared the context.
    """
    path = directory / IGNORE_FILE
    if not path.is_file():
        return ()
    fix = f"correct the file, or declare the context with dockerignore=False to ignore {path}"
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}"
        raise SpecError(problem, fix=fix, where=where) from None
    lines = read_ignore_file(text)
    for number, pattern in lines:
        try:
            PathFilter(exclude=[pattern])
        except BadPattern as exc:
            raise SpecError(
                f"{path}:{number}: {exc} (Docker refuses it too)", fix=fix, where=where
            ) from None
    return tuple(pattern for _, pattern in lines)


def check_patterns(kind: str, patterns: Sequence[str], where: str | None) -> None:
    """Refuse a malformed ``include`` or ``exclude`` pattern, naming it and the argument."""
    for pattern in patterns:
        try:
            PathFilter(exclude=[pattern]) if kind == "exclude" else PathFilter(include=[pattern])
        except BadPattern as exc:
            raise SpecError(
                f"{kind}= pattern {pattern!r} is malformed: {exc.reason}",
                fix="correct the pattern (.dockerignore syntax; Docker refuses it too)",
                where=where,
            ) from None
