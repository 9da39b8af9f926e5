"""What each step of a plan depends on, as plain JSON: stored with every recorded build so
that :mod:`framework.record.explanation` can name the input that changed.

Per stage: its name, base reference (or base stage), the base image's id in the daemon,
and per step its digest (:attr:`framework.plan.BuildPlan.step_digests`), its kind, its
own fields (what it means, sources by digest) and, for a copy from a context, the digest
of every file it sends. Secret values are never part of it (secrets enter by id only,
as in the plan's digests); env values are, as they are in the image config.
"""

from __future__ import annotations

import dataclasses
import posixpath
from typing import Any

from framework.plan import BuildPlan, CopyOp, EnvOp, PlanStep, StageCopyOp
from framework.plan.binds import ContextBind, StageBind
from framework.plan.content import source_digest, source_files
from framework.plan.digest import mount_meaning, shared_files
from framework.spec.mounts import CacheMount, SecretUse, Tmpfs
from framework.spec.sources import ContextPath, Inline
from framework.spec.urls import Url

__all__ = ["copied_files", "op_fields", "summarise"]

_NOT_MEANING = frozenset({"origin", "written", "declared"})


def summarise(
    plan: BuildPlan, base_ids: dict[str, str | None], *, with_files: bool = True
) -> list[dict[str, Any]]:
    """One entry per stage of ``plan`` (see the module docstring); ``base_ids`` maps base
    references to their ids now. ``with_files`` lists every copied file's digest."""
    names = {stage.id: stage.name for stage in plan.stages}
    stages: list[dict[str, Any]] = []
    for stage in plan.stages:
        digests = plan.step_digests[stage.id]
        steps = []
        for step, digest in zip(stage.steps, digests[1:], strict=True):
            entry: dict[str, Any] = {
                "digest": digest,
                "kind": type(step).__name__,
                "fields": op_fields(step, names),
            }
            if with_files and isinstance(step, CopyOp):
                entry["files"] = copied_files(step)
            if isinstance(step, EnvOp):
                entry["env"] = dict(step.values)
            if isinstance(step, StageCopyOp):
                entry["stage"] = names[step.stage]
            steps.append(entry)
        stages.append(
            {
                "name": stage.name,
                "base": stage.base,
                "base_stage": None if stage.base_stage is None else names[stage.base_stage],
                "base_id": None if stage.base is None else base_ids.get(stage.base),
                "base_digest": digests[0],
                "steps": steps,
            }
        )
    return stages


def copied_files(step: CopyOp) -> dict[str, str]:
    """Per path the copy sends, relative to its context's root (``<inline>`` for inline
    content): kind, mode and content digest."""
    source = step.source
    found = source_files(source, shared_files())
    if isinstance(source, Inline):
        return {"<inline>": found["."]}
    return {posixpath.normpath(posixpath.join(source.path, name)): v for name, v in found.items()}


def op_fields(step: PlanStep, stage_names: dict[str, str]) -> dict[str, Any]:
    """The step's own fields as its digest covers them, as JSON values (a context source
    as its digest, another stage by name, no origins or spellings)."""
    return {
        f.name: _value(f.name, getattr(step, f.name), stage_names)
        for f in dataclasses.fields(step)
        if f.name not in _NOT_MEANING and not (f.name == "mounts" and not getattr(step, f.name))
    }


def _value(name: str, value: Any, stage_names: dict[str, str]) -> Any:
    if name == "stage":
        return stage_names.get(value, value)
    if isinstance(value, ContextPath | Inline | Url):
        return source_digest(value, shared_files())
    if isinstance(value, CacheMount | Tmpfs):
        return mount_meaning(value)
    if isinstance(value, SecretUse):
        return [value.secret.id, value.env, value.mount_path]
    if isinstance(value, ContextBind):
        return ["bind", source_digest(value.source, shared_files()), value.target, value.rw]
    if isinstance(value, StageBind):
        stage = stage_names.get(value.stage, value.stage)
        return ["bind", stage, value.path, value.target, value.rw]
    if isinstance(value, tuple):
        return [_value(name, item, stage_names) for item in value]
    return value
