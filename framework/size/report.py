"""What ``framework size`` reports: layers, steps, dead bytes, stages, suggestions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from framework.size.dead import DeadFile

__all__ = ["LayerRow", "SizeReport", "StageSize", "StepSize", "Suggestion"]


@dataclass(frozen=True)
class LayerRow:
    """One layer of the measured image, oldest first: its ``bytes`` (regular files),
    ``files`` count, the history entry that made it, the ``largest`` files it adds, and
    ``dead_bytes``: what it adds that a later layer deletes or overwrites. ``step`` and
    ``where`` name the pipeline step that made it (``None`` for a base image layer)."""

    index: int
    bytes: int
    files: int
    created_by: str
    largest: tuple[tuple[str, int], ...]
    dead_bytes: int
    stage: str | None = None
    step: str | None = None
    where: str | None = None


@dataclass(frozen=True)
class StepSize:
    """A step and the layer it made (``layer`` ``None`` and ``bytes`` 0 when it made
    none: config steps, or a step whose layer is empty)."""

    stage: str
    step: str
    where: str | None
    layer: int | None
    bytes: int


@dataclass(frozen=True)
class StageSize:
    """A plan stage built as its own image: ``size`` as the image store counts it;
    ``final`` for the target; ``steps`` each with its layer's size (from its history)."""

    name: str
    final: bool
    image_id: str
    size: int
    steps: tuple[StepSize, ...]


@dataclass(frozen=True)
class Suggestion:
    """What to change to ship fewer bytes, tied to a lint rule (``framework lint``)."""

    rule: str
    message: str
    where: str | None
    bytes: int


@dataclass(frozen=True)
class SizeReport:
    """The measurement of one image (``image``: the reference or the pipeline's name)."""

    image: str
    image_id: str
    size: int
    layers: tuple[LayerRow, ...]
    dead: tuple[DeadFile, ...]
    steps: tuple[StepSize, ...] = ()
    stages: tuple[StageSize, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    pipeline: str | None = None
    note: str | None = None

    @property
    def dead_bytes(self) -> int:
        return sum(d.bytes for d in self.dead)

    def as_json(self) -> dict[str, Any]:
        """The ``size --json`` document (schema in :mod:`framework.cli.size`)."""
        return {
            "ok": True,
            "exit_code": 0,
            "pipeline": self.pipeline,
            "image": self.image,
            "image_id": self.image_id,
            "size": self.size,
            "layers_bytes": sum(layer.bytes for layer in self.layers),
            "dead_bytes": self.dead_bytes,
            "note": self.note,
            "layers": [
                {
                    **asdict(layer),
                    "largest": [{"path": p, "bytes": b} for p, b in layer.largest],
                }
                for layer in self.layers
            ],
            "steps": [asdict(step) for step in self.steps],
            "dead": [asdict(dead) for dead in self.dead],
            "stages": [
                {**asdict(stage), "steps": [asdict(s) for s in stage.steps]}
                for stage in self.stages
            ],
            "suggestions": [asdict(s) for s in self.suggestions],
        }
