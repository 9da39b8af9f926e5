"""The narrow interface between ``build()`` and the engines, and what a build returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Literal, Protocol

from framework._dataclass import dataclass
from framework.engines.redact import Redactor
from framework.errors import Interrupted
from framework.outcome import BuildResult, StepKey, StepReport, StepStatus
from framework.plan import BuildPlan
from framework.progress import Progress

__all__ = [
    "BuildRequest",
    "BuildResult",
    "Engine",
    "Outputs",
    "Redactor",
    "StepKey",
    "StepReport",
    "StepStatus",
]


@dataclass
class Outputs:
    """What a build has changed outside itself so far, kept up to date by the engine as
    it goes, so that a build interrupted or failing after its image exists can say
    exactly what it left behind (:meth:`describe`).

    ``tagged``: the local tags made; ``pushed``: references pushed (with digests);
    ``pushing``: the reference whose push was under way; ``to_push``: every reference
    the build was asked to push; ``archive``: the archive asked for, ``archived``
    whether it was written.
    """

    image_id: str | None = None
    tagged: tuple[str, ...] = ()
    to_push: tuple[str, ...] = ()
    pushed: list[str] = field(default_factory=list)
    pushing: str | None = None
    archive: str | None = None
    archived: bool = False

    def describe(self) -> str:
        """One sentence: what exists now because of this build (nothing, or the image,
        its local tags, what was and was not pushed, the archive)."""
        if self.image_id is None:
            return Interrupted.NOTHING
        image = self.image_id.removeprefix("sha256:")[:12]
        if self.tagged:
            parts = [f"the image {image} was built and tagged locally as {', '.join(self.tagged)}"]
        else:
            parts = [f"the image {image} was built (no tag)"]
        if self.to_push:
            done = {reference.partition("@")[0] for reference in self.pushed}
            missing = [r for r in self.to_push if r not in done and r != self.pushing]
            parts.append("pushed: " + (", ".join(self.pushed) or "none"))
            if self.pushing is not None:
                # The registry may have taken the manifest before the client stopped.
                parts.append(
                    f"interrupted while pushing {self.pushing}: the registry may or may "
                    "not have it (check before relying on that tag, or push again)"
                )
            if missing:
                parts.append("not pushed: " + ", ".join(missing))
        if self.archive is not None:
            state = "written" if self.archived else "not written"
            parts.append(f"archive {self.archive} {state}")
        return "; ".join(parts)


@dataclass(frozen=True)
class BuildRequest:
    """What an engine is asked to do.

    ``secrets`` maps secret ids to their values. ``push`` pushes every tag to its
    registry; ``archive`` writes the image to a tar file (``docker save`` format on the
    docker engine, OCI on Dagger); ``platforms`` are the target platforms (e.g.
    ``("linux/arm64",)``; empty: the engine's own; more than one: a multi-platform image,
    and the request has tags); ``cache_from`` references are
    offered to BuildKit as cache; each ``cache_to`` reference receives the image with
    its build cache inline and is pushed. ``attest`` names the attestations to attach
    (``"provenance"``, ``"sbom"``); none by default, so an unchanged build keeps its id.
    The engine records in ``outputs`` what it has tagged, pushed and written as it goes.
    ``no_cache`` builds every step again, using no cache (``docker build --no-cache``).
    ``pull`` resolves every base image in its registry again rather than using the local
    copy (``docker build --pull``).
    """

    plan: BuildPlan
    tags: tuple[str, ...]
    progress: Progress
    secrets: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    push: bool = False
    archive: Path | None = None
    platforms: tuple[str, ...] = ()
    cache_from: tuple[str, ...] = ()
    cache_to: tuple[str, ...] = ()
    outputs: Outputs = field(default_factory=Outputs, compare=False)
    attest: tuple[Literal["provenance", "sbom"], ...] = ()
    no_cache: bool = False
    pull: bool = False


class Engine(Protocol):
    """An engine turns a ``BuildPlan`` into an image."""

    name: str

    def check(self) -> None:
        """Raise :class:`framework.errors.EngineUnavailable` unless the engine can build."""

    async def build(self, request: BuildRequest) -> BuildResult:
        """Build ``request.plan``; raise :class:`framework.errors.BuildError` on failure."""
