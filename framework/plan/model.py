"""The build plan: stages in topological order, each a base and its lowered operations."""

from __future__ import annotations

import functools

from framework._dataclass import dataclass
from framework.plan.binds import StageBind
from framework.plan.ops import PlanStep, RunOp, StageCopyOp
from framework.spec import Secret
from framework.spec._base import Origin

__all__ = ["BuildPlan", "Stage"]


@dataclass(frozen=True)
class Stage:
    """One stage: a base (image reference, another stage, or scratch) and its steps.

    ``id`` names the stage within the plan: it covers the base and every step's meaning
    as declared (not names or where they were declared, not secret values or sources), so
    two equal descriptions are one stage. ``name`` is unique within the plan.
    ``platform`` is the platform its base image is taken for and its steps run on
    (``os/arch[/variant]``, or :data:`framework.spec.platforms.BUILD_PLATFORM`);
    ``None``: the build's target platform (or, FROM another stage, that stage's).
    """

    id: str
    name: str
    base: str | None = None
    platform: str | None = None
    base_stage: str | None = None
    steps: tuple[PlanStep, ...] = ()
    origin: Origin | None = None

    @property
    def short(self) -> str:
        return self.id.removeprefix("sha256:")[:12]

    @property
    def depends_on(self) -> tuple[str, ...]:
        """Ids of the stages this one needs, in first-use order, without repeats."""
        needed = [self.base_stage] if self.base_stage else []
        for step in self.steps:
            if isinstance(step, StageCopyOp):
                needed.append(step.stage)
            elif isinstance(step, RunOp):
                needed += [m.stage for m in step.mounts if isinstance(m, StageBind)]
        return tuple(dict.fromkeys(needed))


@dataclass(frozen=True)
class BuildPlan:
    """Stages in topological order (dependencies first); the last one is the target."""

    stages: tuple[Stage, ...]

    @property
    def target(self) -> Stage:
        return self.stages[-1]

    @property
    def digest(self) -> str:
        """The target's content digest (see :mod:`framework.plan.digest`)."""
        return self.stage_digest(self.target.id)

    @functools.cached_property
    def step_digests(self) -> dict[str, tuple[str, ...]]:
        """Per stage id: its base's digest, then each step's (computed once, on first use:
        it reads the copied files, through a cache of their digests)."""
        from framework.plan.digest import step_digests  # reads files: only when asked

        return step_digests(self)

    def stage_digest(self, stage_id: str) -> str:
        """The content digest of the stage ``stage_id``: its last step's."""
        return self.step_digests[stage_id][-1]

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def secrets(self) -> tuple[Secret, ...]:
        """Every secret a run step uses, once each, in first-use order."""
        found: dict[str, Secret] = {}
        for stage in self.stages:
            for step in stage.steps:
                if isinstance(step, RunOp):
                    for use in step.secrets:
                        found.setdefault(use.secret.id, use.secret)
        return tuple(found.values())
