"""Materialising a rendered build context on disk: only the files copy steps use."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from framework.render import ContextEntry
from framework.spec import Inline
from framework.spec.patterns import PathFilter

__all__ = ["ContextStats", "stage_context"]

INLINE_MODE = 0o644


class ContextStats:
    """How much was placed in the context."""

    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0


def stage_context(entries: tuple[ContextEntry, ...], root: Path) -> ContextStats:
    """Create ``root`` holding each entry; files are hard-linked where possible.

    Symlinks are copied as links, never followed, so nothing outside a context is sent.
    """
    root.mkdir(parents=True, exist_ok=True)
    stats = ContextStats()
    for entry in entries:
        target = root / entry.name
        source = entry.source
        if isinstance(source, Inline):
            target.write_bytes(source.content)
            target.chmod(INLINE_MODE)
            stats.files += 1
            stats.bytes += len(source.content)
            continue
        context = source.context
        patterns = PathFilter(context.include, context.exclude)
        if not source.is_dir:
            _place(source.local_path, target, stats)
            continue
        target.mkdir()
        base = source.local_path
        for directory, dirnames, filenames in os.walk(base):
            here = Path(directory)
            rel_dir = here.relative_to(base)
            for name in sorted(dirnames):
                rel_ctx = _context_relative(here / name, context.path)
                if (here / name).is_symlink():
                    filenames.append(name)
                    dirnames.remove(name)
                elif not patterns.may_hold_selected(rel_ctx):
                    dirnames.remove(name)
                else:
                    (target / rel_dir / name).mkdir()
                    shutil.copymode(here / name, target / rel_dir / name)
            for name in filenames:
                rel_ctx = _context_relative(here / name, context.path)
                if patterns.trivial or patterns.selected(rel_ctx):
                    _place(here / name, target / rel_dir / name, stats)
    return stats


def _context_relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _place(source: Path, target: Path, stats: ContextStats) -> None:
    if source.is_symlink():
        target.symlink_to(os.readlink(source))
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    stats.files += 1
    stats.bytes += source.stat().st_size
