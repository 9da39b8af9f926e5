"""Materialising a rendered build context on disk: only the files copy steps use."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from framework.render import ContextEntry
from framework.spec import Inline
from framework.spec.patterns import PathFilter
from framework.spec.steps import INLINE_MODE

__all__ = ["stage_context"]


def stage_context(entries: tuple[ContextEntry, ...], root: Path, *, link: bool = True) -> int:
    """Create ``root`` holding each entry; return the bytes of file content staged.

    That count is the size of the build context as the framework defines it: what a
    transfer to a builder that has none of it sends, less file metadata. (BuildKit's own
    "transferring context" figure is what changed since its last transfer.)

    Files are hard-linked where possible when ``link`` (fast, for a build), else copied
    (``render -o``: editing the output must never edit the sources). Symlinks inside a
    copied directory stay links, never followed, so nothing outside a context is sent;
    a named file that is a symlink is sent as its target (validated to be inside).

    Times are kept stable so equal inputs make equal layers: directories get their
    source's times, inline files ``$SOURCE_DATE_EPOCH`` (0 when unset).
    """
    root.mkdir(parents=True, exist_ok=True)
    staged = 0
    inline_time = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
    for entry in entries:
        target = root / entry.name
        source = entry.source
        if isinstance(source, Inline):
            target.write_bytes(source.content)
            target.chmod(INLINE_MODE)
            os.utime(target, (inline_time, inline_time))
            staged += len(source.content)
            continue
        if not source.is_dir:
            staged += _place(source.local_path.resolve(), target, link)
            continue
        context = source.context
        patterns = PathFilter(context.include, context.exclude)
        target.mkdir()
        base = source.local_path
        made = [(base, target)]
        for directory, dirnames, filenames in os.walk(base):
            here = Path(directory)
            rel_dir = here.relative_to(base)
            for name in sorted(dirnames):
                if (here / name).is_symlink():
                    filenames.append(name)
                    dirnames.remove(name)
                elif not patterns.may_hold_selected(_relative(here / name, context.path)):
                    dirnames.remove(name)
                else:
                    (target / rel_dir / name).mkdir()
                    made.append((here / name, target / rel_dir / name))
            for name in filenames:
                if patterns.trivial or patterns.selected(_relative(here / name, context.path)):
                    staged += _place(here / name, target / rel_dir / name, link)
        for original, copy in reversed(made):  # deepest first: filling a dir changes its time
            shutil.copystat(original, copy)
    return staged


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _place(source: Path, target: Path, link: bool) -> int:
    """Place ``source`` at ``target``; return the bytes of content placed."""
    if source.is_symlink():
        target.symlink_to(os.readlink(source))
        return 0
    if link:
        try:
            os.link(source, target)
            return target.stat().st_size
        except OSError:  # another filesystem, or links not allowed: copy instead
            pass
    shutil.copy2(source, target)
    return target.stat().st_size
