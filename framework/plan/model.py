"""The build plan: stages in topological order, each named by a content digest."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from framework.spec import (
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Label,
    Run,
    Secret,
    User,
    Workdir,
)
from framework.spec._base import Model, Origin, origin_field
from framework.spec.steps import names_directory

__all__ = ["FILESYSTEM_STEPS", "BuildPlan", "PlanStep", "Stage", "StageCopy"]


class StageCopy(Model):
    """Copy ``path`` out of the stage ``stage`` (a digest); rules as :class:`Copy`."""

    kind: Literal["stage_copy"] = "stage_copy"
    stage: str
    path: str
    dest: str
    owner: str | None = None
    mode: int | None = None
    origin: Origin | None = origin_field()

    @property
    def into_directory(self) -> bool:
        """Whether ``dest`` names a directory that a file source is copied into."""
        return names_directory(self.dest)


FILESYSTEM_STEPS = frozenset({"run", "copy", "stage_copy", "workdir"})
"""Step kinds that change the filesystem (BuildKit vertices); the rest change the config."""

PlanStep = Annotated[
    Run | Copy | StageCopy | Env | Workdir | User | Label | Expose | Entrypoint | Cmd | Healthcheck,
    Field(discriminator="kind"),
]


class Stage(Model):
    """One stage: a base (image reference, another stage, or scratch) and its steps.

    ``digest`` covers the base and every step's meaning (not names or where they were
    declared, not secret values or sources); ``name`` is unique within the plan.
    """

    digest: str
    name: str
    base: str | None = None
    base_stage: str | None = None
    steps: tuple[PlanStep, ...] = ()
    origin: Origin | None = origin_field()

    @property
    def short(self) -> str:
        return self.digest.removeprefix("sha256:")[:12]

    @property
    def depends_on(self) -> tuple[str, ...]:
        """Digests of the stages this one needs, in first-use order, without repeats."""
        needed = [self.base_stage] if self.base_stage else []
        needed += [s.stage for s in self.steps if isinstance(s, StageCopy)]
        return tuple(dict.fromkeys(needed))


class BuildPlan(Model):
    """Stages in topological order (dependencies first); the last one is the target."""

    stages: tuple[Stage, ...]

    @property
    def target(self) -> Stage:
        return self.stages[-1]

    @property
    def digest(self) -> str:
        return self.target.digest

    def stage(self, digest: str) -> Stage:
        for stage in self.stages:
            if stage.digest == digest:
                return stage
        raise KeyError(digest)

    def secrets(self) -> tuple[Secret, ...]:
        """Every secret a run step uses, once each, in first-use order."""
        found: dict[str, Secret] = {}
        for stage in self.stages:
            for step in stage.steps:
                if isinstance(step, Run):
                    for use in step.secrets:
                        found.setdefault(use.secret.id, use.secret)
        return tuple(found.values())
