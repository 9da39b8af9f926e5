"""Content-addressed step digests.

A step's digest covers what it means: its operation (names, origins and spellings left
out), the content its sources send (:mod:`framework.plan.content`), and its parent's
digest: the step before it, or the stage's base (an image reference and the platform
the stage asks for, the digest of another stage, or scratch). A copy out of another
stage, or a bind mount of one, covers that stage's digest; a bind mount of a context
path covers its content as a copy of it would. A cache mount enters by id and options,
never by content. The build-time variables a step sees enter when there are any (so a
step that sees none has the digest it had before they existed).
Secrets enter by id and mount only, never by source or value. So the same pipeline in
two checkouts gives the same digests, and editing a copied file changes its step's
digest and every later one, and nothing earlier.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import TYPE_CHECKING, Any

from framework.plan.binds import ContextBind, StageBind
from framework.plan.content import FileDigests, default_store, source_digest
from framework.spec.mounts import DEFAULT_CACHE_MODE, CacheMount, SecretUse, Tmpfs
from framework.spec.sources import ContextPath, Inline
from framework.spec.urls import Url

if TYPE_CHECKING:
    from framework.plan.model import BuildPlan
    from framework.plan.ops import PlanStep

__all__ = ["step_digests"]

_NOT_MEANING = frozenset({"origin", "written", "declared"})

_files: FileDigests | None = None


def shared_files() -> FileDigests:
    """The process's file digest cache, backed by the user's cache directory."""
    global _files  # noqa: PLW0603  # one in-process cache, by design
    if _files is None:
        _files = FileDigests(default_store())
    return _files


def step_digests(plan: BuildPlan, files: FileDigests | None = None) -> dict[str, tuple[str, ...]]:
    """For each stage id: the digest of its base, then one digest per step (so the
    stage's own digest is the last)."""
    files = files or shared_files()
    done: dict[str, tuple[str, ...]] = {}
    for stage in plan.stages:
        if stage.base_stage is not None:
            parent = done[stage.base_stage][-1]
        elif stage.platform is not None:
            parent = _sha256({"base": stage.base or "scratch", "platform": stage.platform})
        else:
            parent = _sha256({"base": stage.base or "scratch"})
        chain = [parent]
        for step in stage.steps:
            chain.append(_sha256({"parent": chain[-1], "op": _meaning(step, done, files)}))
        done[stage.id] = tuple(chain)
    files.flush()
    return done


def _meaning(step: PlanStep, done: dict[str, tuple[str, ...]], files: FileDigests) -> Any:
    fields = {
        f.name: _value(f.name, getattr(step, f.name), done, files)
        for f in dataclasses.fields(step)
        if f.name not in _NOT_MEANING
        and not (f.name in ("mounts", "args") and not getattr(step, f.name))
    }
    return {"kind": type(step).__name__, **fields}  # no "mounts" when none: digests as before


def _value(name: str, value: Any, done: dict[str, tuple[str, ...]], files: FileDigests) -> Any:
    if name == "stage":
        return done[value][-1]
    if isinstance(value, ContextPath | Inline | Url):
        return source_digest(value, files)
    if isinstance(value, CacheMount):
        return mount_meaning(value)
    if isinstance(value, SecretUse):
        return [value.secret.id, value.env, value.mount_path]
    if isinstance(value, ContextBind):
        return ["bind", source_digest(value.source, files), value.target, value.rw]
    if isinstance(value, StageBind):
        return ["bind", done[value.stage][-1], value.path, value.target, value.rw]
    if isinstance(value, Tmpfs):
        return mount_meaning(value)
    if isinstance(value, tuple):
        return [_value(name, item, done, files) for item in value]
    return value


def mount_meaning(mount: CacheMount | Tmpfs) -> list[Any]:
    """What a cache or tmpfs mount means to a step's digest (no origin, no scope: a
    cache's scope enters through its id)."""
    if isinstance(mount, Tmpfs):
        return ["tmpfs", mount.target, mount.size]
    meaning: list[Any] = [mount.target, mount.cache_id, mount.sharing]
    if (mount.mode, mount.uid, mount.gid) != (DEFAULT_CACHE_MODE, 0, 0):
        meaning += [mount.mode, mount.uid, mount.gid]  # absent by default: stable digests
    return meaning


def _sha256(document: Any) -> str:
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()
