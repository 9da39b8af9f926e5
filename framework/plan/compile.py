"""``compile()``: an ``Image`` becomes a ``BuildPlan``. Pure: no I/O, no engine.

Each image that is a base of another image, or that another image copies from,
becomes a stage. Stages are content-addressed: two equal descriptions are one stage
(shared), and only stages the target reaches are in the plan (unreachable ones are
never collected).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from framework.errors import SpecError
from framework.plan.model import BuildPlan, PlanStep, Stage, StageCopy
from framework.spec import Copy, Image, Inline, Run, Secret, StagePath
from framework.spec._base import where
from framework.spec.sources import ContextPath

__all__ = ["compile"]

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")


def compile(image: Image) -> BuildPlan:
    """Compile ``image`` into a plan of stages, dependencies first, target last."""
    collector = _Collector()
    collector.visit(image)
    stages = collector.named_stages()
    _check_secret_ids(stages)
    return BuildPlan(stages=stages)


class _Collector:
    def __init__(self) -> None:
        self.order: list[tuple[Stage, str | None]] = []  # (stage with provisional name, user name)
        self.by_digest: dict[str, Stage] = {}
        self.by_id: dict[int, str] = {}
        self.visiting: set[int] = set()

    def visit(self, image: Image) -> str:
        """Collect ``image`` and what it needs; return its stage digest."""
        key = id(image)
        if key in self.by_id:
            return self.by_id[key]
        if key in self.visiting:
            raise SpecError(
                "the stages refer to each other in a cycle",
                fix="make sure no image copies from, or builds on, an image derived from it",
                where=where(image.origin),
            )
        self.visiting.add(key)
        base_stage = self.visit(image.base) if isinstance(image.base, Image) else None
        steps: list[PlanStep] = []
        for step in image.steps:
            if isinstance(step, Copy) and isinstance(step.source, StagePath):
                source = step.source
                steps.append(
                    StageCopy(
                        stage=self.visit(source.image),
                        path=source.path,
                        dest=step.dest,
                        owner=step.owner,
                        mode=step.mode,
                        origin=step.origin,
                    )
                )
            else:
                steps.append(step)
        base = image.base if isinstance(image.base, str) else None
        digest = _digest(base, base_stage, steps)
        self.visiting.discard(key)
        self.by_id[key] = digest
        if digest not in self.by_digest:
            stage = Stage(
                digest=digest,
                name="",
                base=base,
                base_stage=base_stage,
                steps=tuple(steps),
                origin=image.origin,
            )
            self.by_digest[digest] = stage
            self.order.append((stage, image.name))
        return digest

    def named_stages(self) -> tuple[Stage, ...]:
        used: dict[str, Stage] = {}
        named: list[Stage] = []
        for index, (stage, user_name) in enumerate(self.order):
            name = _stage_name(user_name, stage) if user_name else f"stage-{index}"
            if name in used:
                raise SpecError(
                    f"two different images are both named {user_name!r}"
                    f" (declared at {where(used[name].origin)} and {where(stage.origin)})",
                    fix="give each image its own name, or reuse the same Image object",
                    where=where(stage.origin),
                )
            used[name] = stage
            named.append(stage.model_copy(update={"name": name}))
        return tuple(named)


def _stage_name(user_name: str, stage: Stage) -> str:
    name = user_name.lower()
    if not _NAME.fullmatch(name) or name.startswith("stage-") or name == "scratch":
        raise SpecError(
            f"image name {user_name!r} cannot name a stage",
            fix="use lowercase letters, digits, '.', '_' and '-' (not 'scratch' or 'stage-...')",
            where=where(stage.origin),
        )
    return name


def _digest(base: str | None, base_stage: str | None, steps: list[PlanStep]) -> str:
    document = {
        "base": base,
        "base_stage": base_stage,
        "steps": [_canonical(step) for step in steps],
    }
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()


def _canonical(step: PlanStep) -> dict[str, Any]:
    """What a step means, as JSON: no origins, no secret sources or values."""
    data: dict[str, Any] = step.model_dump(mode="json", exclude={"source", "secrets"})
    if isinstance(step, Copy):
        data["source"] = _canonical_source(step.source)
    if isinstance(step, Run):
        data["secrets"] = [
            {"id": use.secret.id, "env": use.env, "path": use.path} for use in step.secrets
        ]
    return data


def _canonical_source(source: ContextPath | Inline | StagePath) -> dict[str, Any]:
    if isinstance(source, ContextPath):
        ctx = source.context
        return {
            "context": str(ctx.path),
            "include": list(ctx.include),
            "exclude": list(ctx.exclusions),
            "path": source.path,
        }
    if isinstance(source, Inline):
        return {"inline_sha256": source.sha256}
    raise AssertionError("stage copies are StageCopy steps in a plan")


def _check_secret_ids(stages: tuple[Stage, ...]) -> None:
    seen: dict[str, Secret] = {}
    for stage in stages:
        for step in stage.steps:
            if not isinstance(step, Run):
                continue
            for use in step.secrets:
                other = seen.setdefault(use.secret.id, use.secret)
                if other != use.secret:
                    raise SpecError(
                        f"secret id {use.secret.id!r} names two sources "
                        f"({other.describe()} and {use.secret.describe()})",
                        fix="give one of them another id: Secret.env(..., id='other')",
                        where=where(step.origin),
                    )
