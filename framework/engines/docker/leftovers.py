"""Directories a build owns, named after its process, so that the next build can remove
those of a build that was killed before it could clean up (SIGKILL, power loss)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

__all__ = ["owned_directory", "sweep_stale"]


def owned_directory(prefix: str, root: Path | str | None) -> Path:
    """A new ``0700`` directory ``<prefix><pid>-<random>`` under ``root``."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=root))


def sweep_stale(root: Path, prefix: str) -> list[Path]:
    """Remove this user's ``<prefix><pid>-*`` directories under ``root`` whose process is
    gone; return them."""
    owned = re.compile(re.escape(prefix) + r"(\d+)-")
    removed: list[Path] = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        owner = owned.match(entry.name)
        if owner is None or _alive(int(owner[1])):
            continue
        try:
            if entry.is_symlink() or entry.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
