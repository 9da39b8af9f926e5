"""What a build reports, step by step and at the end: shared by the engines, which
produce it, and the progress displays, which show it (neither imports the other)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from framework._dataclass import dataclass

__all__ = ["BuildResult", "StepKey", "StepReport", "StepStatus"]


@dataclass(frozen=True)
class StepKey:
    """Which step an event is about: its stage's name and its 1-based index in the stage."""

    stage: str
    index: int

    def __str__(self) -> str:
        return f"{self.stage} {self.index}"


StepStatus = Literal["cached", "executed", "failed", "cancelled", "config", "unknown"]


@dataclass(frozen=True, kw_only=True)
class StepReport:
    """What happened to one step: ``cached``, ``executed``, ``failed`` (it ran and its
    command failed), or ``cancelled`` (stopped because another step failed), with
    ``duration`` in seconds; ``config`` steps only change the image config; ``unknown``:
    the engine did not say."""

    stage: str
    index: int
    description: str
    status: StepStatus
    duration: float = 0.0
    where: str | None = None
    reason: str | None = None
    """Why the step has its status, where the framework knows (a build answered from the
    build record says the image is unchanged since when, and still tagged)."""

    @property
    def key(self) -> StepKey:
        return StepKey(self.stage, self.index)

    def as_json(self) -> dict[str, Any]:
        """The report as JSON data: ``stage``, ``index``, ``description``, ``status``,
        ``duration``, ``where``, ``reason``."""
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class BuildResult:
    """The outcome of a successful build (sequences given are kept as tuples)."""

    engine: str
    image_id: str
    tags: tuple[str, ...]
    plan_digest: str
    steps: tuple[StepReport, ...]
    duration: float
    context_bytes: int | None = None
    """Bytes of file content the engine staged as build context (what a transfer to
    an empty builder sends, less file metadata), where the engine stages one."""
    pushed: tuple[str, ...] = ()
    """References pushed, each as ``name:tag@sha256:...``."""
    archive: str | None = None
    from_record: bool = False
    """The build was answered from the local build record (:mod:`framework.record`): its
    inputs are unchanged since a build whose image is still tagged, so no BuildKit solve
    ran and every step is ``cached``."""

    def __post_init__(self) -> None:
        for name in ("tags", "steps", "pushed"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def executed(self) -> tuple[StepReport, ...]:
        return tuple(s for s in self.steps if s.status == "executed")

    def cached(self) -> tuple[StepReport, ...]:
        return tuple(s for s in self.steps if s.status == "cached")
