"""The narrow interface between ``build()`` and the engines, and what a build returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from framework.engines.redact import Redactor
from framework.plan import BuildPlan
from framework.progress import Progress

__all__ = ["BuildRequest", "BuildResult", "Engine", "Redactor", "StepReport", "StepStatus"]

StepStatus = Literal["cached", "executed", "config", "unknown"]


class StepReport(BaseModel):
    """What happened to one step: ``cached`` or ``executed`` (``duration`` in seconds);
    ``config`` steps only change the image config; ``unknown``: the engine did not say."""

    model_config = ConfigDict(frozen=True)

    stage: str
    index: int
    description: str
    status: StepStatus
    duration: float = 0.0
    where: str | None = None


class BuildResult(BaseModel):
    """The outcome of a successful build."""

    model_config = ConfigDict(frozen=True)

    engine: str
    image_id: str
    tags: tuple[str, ...]
    plan_digest: str
    steps: tuple[StepReport, ...]
    duration: float
    context_bytes: int | None = None
    """Bytes of build context the engine received, where it reports them."""
    pushed: tuple[str, ...] = ()
    """References pushed, each as ``name:tag@sha256:...``."""
    archive: str | None = None

    def executed(self) -> tuple[StepReport, ...]:
        return tuple(s for s in self.steps if s.status == "executed")

    def cached(self) -> tuple[StepReport, ...]:
        return tuple(s for s in self.steps if s.status == "cached")


@dataclass(frozen=True)
class BuildRequest:
    """What an engine is asked to do.

    ``secrets`` maps secret ids to their values. ``push`` pushes every tag to its
    registry; ``archive`` writes the image to a tar file (``docker save`` format on the
    docker engine, OCI on Dagger); ``platform``
    builds for another platform (e.g. ``linux/arm64``); ``cache_from`` references are
    offered to BuildKit as cache; each ``cache_to`` reference receives the image with
    its build cache inline and is pushed.
    """

    plan: BuildPlan
    tags: tuple[str, ...]
    progress: Progress
    secrets: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    push: bool = False
    archive: Path | None = None
    platform: str | None = None
    cache_from: tuple[str, ...] = ()
    cache_to: tuple[str, ...] = ()


class Engine(Protocol):
    """An engine turns a ``BuildPlan`` into an image."""

    name: str

    def check(self) -> None:
        """Raise :class:`framework.errors.EngineUnavailable` unless the engine can build."""

    async def build(self, request: BuildRequest) -> BuildResult:
        """Build ``request.plan``; raise :class:`framework.errors.BuildError` on failure."""
