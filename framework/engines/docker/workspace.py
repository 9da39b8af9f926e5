"""Where the docker engine stages a build (Dockerfile and context), and what a failure
to stage says.

The staging directory is a fresh ``framework-build-<pid>-*`` directory under
``$FRAMEWORK_STAGING_DIR`` when set, else under the system's temporary directory
(``$TMPDIR``, else ``/tmp``). Context files are hard-linked there where the source is
on the same filesystem, else copied, so the context's size must fit there. A build that
is killed (SIGKILL) leaves its directory behind; the next build removes it.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from framework.engines.docker.leftovers import owned_directory, sweep_stale
from framework.errors import BuildError

__all__ = ["PREFIX", "STAGING_ENV", "staging_directory", "staging_errors"]

STAGING_ENV = "FRAMEWORK_STAGING_DIR"
PREFIX = "framework-build-"

_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_HOW_TO_MOVE = (
    f"free space there, or stage elsewhere: set {STAGING_ENV}=/path/with/room "
    "(or TMPDIR, which the framework otherwise uses)"
)


@contextmanager
def staging_directory() -> Iterator[Path]:
    """A private directory for one build, removed afterwards; those of killed builds
    are removed first."""
    parent = os.environ.get(STAGING_ENV) or None
    try:
        sweep_stale(Path(parent or tempfile.gettempdir()), PREFIX)
        work = owned_directory(PREFIX, parent)
    except OSError as exc:
        where = parent or tempfile.gettempdir()
        fix = (
            _HOW_TO_MOVE
            if exc.errno in _NO_ROOM
            else f"set {STAGING_ENV} (or TMPDIR) to an existing directory you can write to"
        )
        raise BuildError(
            f"cannot create a staging directory in {where}: {exc.strerror} — {fix}"
        ) from None
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def staging_errors(directory: Path) -> Iterator[None]:
    """Turn an ``OSError`` while filling ``directory`` into a :class:`BuildError` that
    names the directory (no room there) or the file that could not be staged."""
    try:
        yield
    except OSError as exc:
        if exc.errno in _NO_ROOM:
            raise BuildError(
                f"no room to stage the build context in {directory.parent} "
                f"({exc.strerror}) — {_HOW_TO_MOVE}"
            ) from None
        culprit = exc.filename if exc.filename is not None else directory
        raise BuildError(
            f"cannot stage {culprit} for the build: {exc.strerror or exc}",
        ) from None
