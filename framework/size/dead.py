"""Bytes that ship but no container can see: files a later layer deletes (a whiteout,
``.wh.name``, or an opaque directory) or overwrites. Layers are immutable, so the
earlier layer still carries them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from framework.size.layers import Layer

__all__ = ["DeadFile", "dead_files"]


@dataclass(frozen=True)
class DeadFile:
    """``path`` (``bytes``) added by layer ``added_in`` and hidden by layer ``removed_in``."""

    path: str
    bytes: int
    added_in: int
    removed_in: int
    how: Literal["deleted", "overwritten"]


def dead_files(layers: tuple[Layer, ...]) -> list[DeadFile]:
    """Every file some layer adds and a later layer hides, in the order they are hidden."""
    live: dict[str, tuple[int, int]] = {}  # path -> (layer, bytes)
    dead: list[DeadFile] = []

    def hide(path: str, index: int, how: Literal["deleted", "overwritten"]) -> None:
        added, size = live.pop(path)
        dead.append(DeadFile(path, size, added, index, how))

    for index, layer in enumerate(layers):
        gone = [*layer.opaque, *layer.whiteouts]
        if gone:
            prefixes = tuple(p.rstrip("/") + "/" for p in gone)
            exact = set(layer.whiteouts)
            for path in [p for p in live if p in exact or p.startswith(prefixes)]:
                hide(path, index, "deleted")
        for path in (*layer.files, *layer.others):
            if path in live:
                hide(path, index, "overwritten")
        for path, size in layer.files.items():
            live[path] = (index, size)
    return dead
