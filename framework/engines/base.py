"""The narrow interface between ``build()`` and the engines, and what a build returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

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
    """Bytes of file content the engine staged as build context (what a transfer to
    an empty builder sends, less file metadata), where the engine stages one."""
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
    its build cache inline and is pushed. ``attest`` names the attestations to attach
    (``"provenance"``, ``"sbom"``); none by default, so an unchanged build keeps its id.
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
    attest: tuple[Literal["provenance", "sbom"], ...] = ()


class Engine(Protocol):
    """An engine turns a ``BuildPlan`` into an image."""

    name: str

    def check(self) -> None:
        """Raise :class:`framework.errors.EngineUnavailable` unless the engine can build."""

    async def build(self, request: BuildRequest) -> BuildResult:
        """Build ``request.plan``; raise :class:`framework.errors.BuildError` on failure."""


class Redactor:
    """Replaces secret values in text the framework shows, as Dagger does."""

    MASK = "***"

    def __init__(self, secrets: Mapping[str, bytes]) -> None:
        needles: set[str] = set()
        for value in secrets.values():
            text = value.decode(errors="replace")
            for candidate in (text, text.strip(), *text.splitlines()):
                if len(candidate.strip()) >= 3:
                    needles.add(candidate.strip())
        self._needles = sorted(needles, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for needle in self._needles:
            text = text.replace(needle, self.MASK)
        return text
