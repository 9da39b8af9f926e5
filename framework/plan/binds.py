"""A run step's bind mounts, lowered: a context path to send, or a path of another stage.

A :class:`framework.spec.Bind` names its source by object (``context / "src"``,
``builder / "/out"``); the plan names another image by its stage id, as a copy out of
it does, so engines mount what the plan says and decide nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from framework.spec.sources import ContextPath

__all__ = ["ContextBind", "StageBind"]


@dataclass(frozen=True)
class ContextBind:
    """Mount what copying ``source`` would send at ``target`` (absolute), for one run
    step; read-only unless ``rw`` (then writes are discarded after the step)."""

    source: ContextPath
    target: str
    rw: bool = False


@dataclass(frozen=True)
class StageBind:
    """Mount ``path`` of the stage ``stage`` (its id) at ``target``, for one run step;
    read-only unless ``rw`` (then writes are discarded after the step)."""

    stage: str
    path: str
    target: str
    rw: bool = False
