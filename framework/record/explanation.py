"""``explain``: before a build, whether each step will be cached or rebuilt, and why.

The prediction compares the content-addressed plan (:attr:`BuildPlan.step_digests`) and
the base images' ids in the daemon now with what the build record kept about the last
build of the tag (:mod:`framework.record.builds`): each step's digest, each copied
file's digest, env values, base ids. A step whose digest and base are unchanged is
``cached``; otherwise it is ``rebuilt`` and the reason names the input: the copied file
that changed (path, old and new content hash), the env value, the base image's id, the
step's own fields, or its parent (the step before it, or the stage it copies from).
A run step with ``no_cache`` is always ``rebuilt`` (cause ``no-cache``). Without a
record of the tag every other step is ``unknown``.

After a build, :func:`explain` with ``after=True`` shows what the last build of the tag
predicted next to what BuildKit reported, and flags each step where they disagree.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from framework.plan import (
    BuildPlan,
    CopyOp,
    EnvOp,
    PlanStep,
    RunOp,
    Stage,
    StageCopyOp,
    compile,
    describe_step,
)
from framework.record.builds import DaemonState, daemon_state, record_key, shown_time, tag_record
from framework.record.inputs import copied_files, op_fields
from framework.record.store import RecordStore
from framework.spec import Image

__all__ = ["Change", "Explanation", "StepExplanation", "explain", "predict"]

Prediction = Literal["cached", "rebuilt", "unknown"]
Cause = Literal[
    "unchanged",
    "no-record",
    "new-stage",
    "base",
    "parent",
    "stage",
    "files",
    "env",
    "fields",
    "no-cache",
]
_NO_CACHE = "no_cache=True: the step runs again on every build"


@dataclass(frozen=True)
class Change:
    """One input that changed: a copied file (``what`` is its path relative to the copy's
    source), an env variable (its name), a base image (its reference) or a field of the
    step (its name); ``old``/``new`` are the hashes or values (``None``: absent)."""

    kind: Literal["file", "env", "base", "field"]
    what: str
    old: str | None
    new: str | None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "what": self.what, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class StepExplanation:
    """One step: the prediction, its ``cause`` (a closed set) and a sentence saying why;
    with ``after``: BuildKit's ``actual`` status and whether the two ``disagree``."""

    stage: str
    index: int
    description: str
    prediction: Prediction
    cause: Cause
    reason: str
    changes: tuple[Change, ...] = ()
    actual: str | None = None
    disagrees: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "index": self.index,
            "description": self.description,
            "prediction": self.prediction,
            "cause": self.cause,
            "reason": self.reason,
            "changes": [c.as_json() for c in self.changes],
            "actual": self.actual,
            "disagrees": self.disagrees,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepExplanation:
        return cls(
            stage=str(data["stage"]),
            index=int(data["index"]),
            description=str(data["description"]),
            prediction=data["prediction"],
            cause=data["cause"],
            reason=str(data["reason"]),
            changes=tuple(Change(**c) for c in data.get("changes", ())),
        )


@dataclass(frozen=True)
class Explanation:
    """The explanation for one tag: ``built_at`` and ``image_id`` of the last recorded
    build (``None``: none recorded); ``from_record``: a build now would be answered from
    the build record (no BuildKit solve); ``after``: these are the last build's
    predictions with BuildKit's statuses."""

    tag: str
    steps: tuple[StepExplanation, ...]
    built_at: float | None = None
    image_id: str | None = None
    from_record: bool = False
    after: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def disagreements(self) -> tuple[StepExplanation, ...]:
        return tuple(s for s in self.steps if s.disagrees)

    def as_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "after": self.after,
            "built_at": self.built_at,
            "image_id": self.image_id,
            "from_record": self.from_record,
            "notes": list(self.notes),
            "steps": [s.as_json() for s in self.steps],
            "disagreements": len(self.disagreements),
        }


def explain(
    image: Image | BuildPlan,
    *,
    tag: str,
    after: bool = False,
    host: str | None = None,
    attest: tuple[str, ...] = (),
) -> Explanation:
    """Explain a build of ``image`` tagged ``tag`` on the docker daemon at ``host``
    (default: the client's choice), before it runs; ``after=True``: the last build of
    ``tag``, predicted against actual. The plan part needs no engine; base image ids
    come from the daemon's API socket (without one, base changes are not seen, and a
    note says so)."""
    plan = image if isinstance(image, BuildPlan) else compile(image)
    state = daemon_state(plan, host)
    notes: list[str] = []
    if state is None:
        notes.append(
            "no Docker daemon on a local socket answered: base image ids are not compared "
            "and no build record is read"
        )
        return Explanation(tag, _unknown(plan, "no build record read"), notes=tuple(notes))
    store = RecordStore()
    record = tag_record(state.daemon_id, tag, store)
    if after:
        return _after(plan, tag, record)
    steps = predict(plan, (tag,), state, store)
    from_record = False
    if record is not None and all(s.prediction == "cached" for s in steps):
        from framework.docker_api import DaemonAPI, DaemonAPIError

        entry = store.get("build", record_key(plan, state, (tag,), attest))
        try:
            with DaemonAPI(state.socket) as api:
                image_id = entry.get("image_id") if isinstance(entry, dict) else None
                from_record = isinstance(image_id, str) and api.image_id(tag) == image_id
        except DaemonAPIError:
            from_record = False
        if not from_record:
            notes.append(
                f"{tag} no longer holds the recorded image, or was built with other "
                "options: BuildKit runs, and should find every step in its cache"
            )
    return Explanation(
        tag,
        tuple(steps),
        built_at=None if record is None else record.get("built_at"),
        image_id=None if record is None else record.get("image_id"),
        from_record=from_record,
        notes=tuple(notes),
    )


def predict(
    plan: BuildPlan, tags: tuple[str, ...], state: DaemonState, store: RecordStore | None = None
) -> tuple[StepExplanation, ...]:
    """Per step of ``plan``: cached or rebuilt against the last recorded build of the
    first of ``tags`` on the daemon ``state`` (all ``unknown`` without one)."""
    record = tag_record(state.daemon_id, tags[0], store) if tags else None
    if record is None or not isinstance(record.get("stages"), list):
        why = f"no build of {tags[0]} recorded" if tags else "no tag: nothing to compare with"
        return _unknown(plan, why)
    when = shown_time(float(record.get("built_at") or 0))
    old_stages = {s.get("name"): s for s in record["stages"] if isinstance(s, dict)}
    names = {stage.id: stage.name for stage in plan.stages}
    rebuilt_stages: set[str] = set()
    found: list[StepExplanation] = []
    for stage in plan.stages:
        digests = plan.step_digests[stage.id]
        old = old_stages.get(stage.name)
        old_steps = old.get("steps", []) if old else []
        base_cause = _base_change(stage, names, digests[0], old, state)
        if base_cause is None and stage.base_stage and names[stage.base_stage] in rebuilt_stages:
            base_cause = (f"its base stage {names[stage.base_stage]} is rebuilt", ())
        parent_rebuilt = base_cause is not None
        for number, (step, digest) in enumerate(zip(stage.steps, digests[1:], strict=True), 1):
            made = functools.partial(StepExplanation, stage.name, number, describe_step(plan, step))
            previous = old_steps[number - 1] if number - 1 < len(old_steps) else None
            source = names.get(step.stage) if isinstance(step, StageCopyOp) else None
            if isinstance(step, RunOp) and step.no_cache:
                entry = made("rebuilt", "no-cache", _NO_CACHE)
            elif old is None:
                entry = made("rebuilt", "new-stage", f"stage {stage.name} is new since then")
            elif number == 1 and base_cause is not None:
                entry = made("rebuilt", "base", base_cause[0], base_cause[1])
            elif parent_rebuilt:
                entry = made("rebuilt", "parent", f"its parent (step {number - 1}) is rebuilt")
            elif source in rebuilt_stages:
                entry = made("rebuilt", "stage", f"stage {source}, which it copies from, changed")
            elif not (isinstance(previous, dict) and previous.get("digest") == digest):
                entry = _own_change(step, previous, names, made)
            else:
                entry = made("cached", "unchanged", f"unchanged since the build at {when}")
            parent_rebuilt = entry.prediction == "rebuilt"
            found.append(entry)
        if base_cause is not None or any(
            e.prediction == "rebuilt" for e in found if e.stage == stage.name
        ):
            rebuilt_stages.add(stage.name)
    return tuple(found)


def _base_change(
    stage: Stage,
    names: dict[str, str],
    base_digest: str,
    old: dict[str, Any] | None,
    state: DaemonState,
) -> tuple[str, tuple[Change, ...]] | None:
    """Why the stage's base changed since the record, or ``None``."""
    base, base_stage = stage.base, stage.base_stage
    if old is None:
        return None
    if old.get("base") != base or old.get("base_stage") != (
        None if base_stage is None else names[base_stage]
    ):
        was = old.get("base") or old.get("base_stage") or "scratch"
        now = base or (names[base_stage] if base_stage else "scratch")
        return f"its base changed from {was} to {now}", (Change("base", "FROM", was, now),)
    if base is not None:
        new_id, old_id = state.base_ids.get(base), old.get("base_id")
        if new_id != old_id:
            shown_old = (old_id or "absent").removeprefix("sha256:")[:12]
            shown_new = (new_id or "absent (it will be pulled)").removeprefix("sha256:")[:12]
            return (
                f"base image {base} is now {shown_new} (was {shown_old})",
                (Change("base", base, old_id, new_id),),
            )
    if old.get("base_digest") not in (None, base_digest):
        return "its base changed", ()
    return None


def _own_change(
    step: PlanStep,
    previous: object,
    names: dict[str, str],
    made: functools.partial[StepExplanation],
) -> StepExplanation:
    """A step whose own digest changed while its parent did not: which input."""
    result: StepExplanation
    if not isinstance(previous, dict):
        result = made("rebuilt", "fields", "a new step (the last build had fewer steps)")
        return result
    if previous.get("kind") != type(step).__name__:
        result = made(
            "rebuilt",
            "fields",
            f"the step changed from {previous.get('kind')} to {type(step).__name__}",
        )
        return result
    if isinstance(step, CopyOp) and isinstance(previous.get("files"), dict):
        now, was = copied_files(step), previous["files"]
        changes = tuple(
            Change("file", path, _hash(was.get(path)), _hash(now.get(path)))
            for path in sorted(set(now) | set(was))
            if now.get(path) != was.get(path)
        )
        if changes:
            shown = "; ".join(
                f"{c.what} {_short(c.old)} -> {_short(c.new)}" for c in changes[:5]
            ) + (f"; and {len(changes) - 5} more" if len(changes) > 5 else "")
            result = made("rebuilt", "files", f"copied files changed: {shown}", changes)
            return result
    if isinstance(step, EnvOp) and isinstance(previous.get("env"), dict):
        now_env, was_env = dict(step.values), previous["env"]
        env_changes = tuple(
            Change("env", name, was_env.get(name), now_env.get(name))
            for name in sorted(set(now_env) | set(was_env))
            if now_env.get(name) != was_env.get(name)
        )
        if env_changes:
            shown = "; ".join(f"{c.what}={c.new!r} (was {c.old!r})" for c in env_changes)
            result = made("rebuilt", "env", f"env changed: {shown}", env_changes)
            return result
    fields_now = op_fields(step, names)
    recorded = previous.get("fields")
    fields_was: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
    changed = tuple(
        Change("field", name, _text(fields_was.get(name)), _text(fields_now.get(name)))
        for name in sorted(set(fields_now) | set(fields_was))
        if fields_now.get(name) != fields_was.get(name)
    )
    named = ", ".join(c.what for c in changed) or "its definition"
    result = made("rebuilt", "fields", f"the step itself changed: {named}", changed)
    return result


def _hash(entry: str | None) -> str | None:
    """A file entry (``kind mode digest``) as its content hash (or the whole entry)."""
    if entry is None:
        return None
    parts = entry.split(" ")
    return parts[2] if len(parts) == 3 and parts[0] == "f" else entry


def _short(value: str | None) -> str:
    return "absent" if value is None else value[:12]


def _text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _unknown(plan: BuildPlan, why: str) -> tuple[StepExplanation, ...]:
    """Every step ``unknown`` for want of a record, but a ``no_cache`` run step: rebuilt."""
    return tuple(
        StepExplanation(
            stage.name, number, describe_step(plan, step), "rebuilt", "no-cache", _NO_CACHE
        )
        if isinstance(step, RunOp) and step.no_cache
        else StepExplanation(
            stage.name, number, describe_step(plan, step), "unknown", "no-record", why
        )
        for stage in plan.stages
        for number, step in enumerate(stage.steps, start=1)
    )


def _after(plan: BuildPlan, tag: str, record: dict[str, Any] | None) -> Explanation:
    """The last build of ``tag``: what was predicted before it, next to what ran."""
    if record is None or not isinstance(record.get("predicted"), list):
        return Explanation(
            tag, _unknown(plan, f"no build of {tag} recorded"), after=True,
            notes=(f"no build of {tag} recorded with a prediction",),
        )  # fmt: skip
    actual = {
        (r.get("stage"), r.get("index")): r.get("status")
        for r in record.get("reports", [])
        if isinstance(r, dict)
    }
    steps = []
    for data in record["predicted"]:
        step = StepExplanation.from_json(data)
        status = actual.get((step.stage, step.index))
        disagrees = _disagree(step.prediction, status)
        steps.append(dataclasses.replace(step, actual=status, disagrees=disagrees))
    return Explanation(
        tag,
        tuple(steps),
        built_at=record.get("built_at"),
        image_id=record.get("image_id"),
        after=True,
    )


def _disagree(prediction: str, actual: str | None) -> bool:
    """A cached prediction that executed, or a rebuilt one BuildKit found in its cache
    (from another build); config steps and unknowns are not compared."""
    if actual == "executed":
        return prediction == "cached"
    if actual == "cached":
        return prediction == "rebuilt"
    return False
