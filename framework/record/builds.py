"""The local build record: a build whose inputs have not changed since the last one is
answered without starting BuildKit.

**Key.** Everything that decides the image a build makes: the plan's digest (the target's
last step digest covers every step, every copied file's content, every stage it uses
and every base reference), the id each base reference has in the daemon now, the
daemon's id and version, the tags asked for, the attestations, and
``SOURCE_DATE_EPOCH``. **Value.** The image id the build made, and when.

**Answer.** When the key is recorded and the daemon still has that image under every tag
asked for (asked through its API socket, :mod:`framework.docker_api`), the build
is that image: BuildKit, given the same inputs, would find every step in its cache and
make the same image. Every step BuildKit would run is reported ``cached``, and steps that
only change the image config ``config`` as in every build, each with the reason. The lookup is
synchronous and spawns nothing; it imports neither anyio nor any engine.

**Not answered** (a real build runs, and is recorded when it succeeds): ``no_cache``
(the whole build's, or a run step's: :func:`runs_every_time`), ``push`` or ``cache_to``
(a push must reach the registry: the real build's BuildKit solve is all cached and
``docker push`` sends only what the registry lacks), an ``archive``, ``platforms``, an
engine other than docker, a daemon not on a local socket, a base image missing from the
daemon, or an image or tag that has gone.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import TYPE_CHECKING, Any

from framework._dataclass import dataclass
from framework.docker_api import DaemonAPI, DaemonAPIError, local_socket
from framework.plan import BuildPlan, RunOp, changes_filesystem, describe_step
from framework.record.store import RecordStore

if TYPE_CHECKING:
    from framework.outcome import BuildResult, StepReport

__all__ = [
    "DaemonState",
    "answer",
    "daemon_state",
    "record_key",
    "remember",
    "runs_every_time",
    "tag_record",
]

_VERSION = 1


@dataclass(frozen=True)
class DaemonState:
    """The daemon a build goes to, as the record keys it: its socket, id and version,
    and the id each base reference of the plan has there now (``None``: not there)."""

    socket: str
    daemon_id: str
    version: str
    base_ids: dict[str, str | None]


def daemon_state(
    plan: BuildPlan, host: str | None, api: DaemonAPI | None = None
) -> DaemonState | None:
    """Ask the daemon at ``host`` (default: the client's choice) through its socket;
    ``None`` when it is not on a local socket or does not answer there."""
    socket = local_socket(host) if api is None else api.path
    if socket is None:
        return None
    own = api is None
    api = api or DaemonAPI(socket)
    try:
        info = api.identity()
        bases = {s.base for s in plan.stages if s.base is not None}
        base_ids = {base: api.image_id(base) for base in sorted(bases)}
    except DaemonAPIError:
        return None
    finally:
        if own:
            api.close()
    daemon_id, version = info.get("ID"), info.get("ServerVersion")
    if not isinstance(daemon_id, str) or not isinstance(version, str):
        return None
    return DaemonState(socket, daemon_id, version, base_ids)


def record_key(
    plan: BuildPlan, state: DaemonState, tags: tuple[str, ...], attest: tuple[str, ...]
) -> str:
    """The key of a build of ``plan`` on the daemon ``state`` (module docstring)."""
    document = {
        "v": _VERSION,
        "plan": plan.digest,
        "bases": state.base_ids,
        "daemon": state.daemon_id,
        "version": state.version,
        "tags": sorted(tags),
        "attest": sorted(attest),
        "epoch": os.environ.get("SOURCE_DATE_EPOCH", ""),
    }
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()


def shown_time(stamp: float) -> str:
    """``2026-11-27 18:40:12 UTC``."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(stamp))


def runs_every_time(plan: BuildPlan) -> bool:
    """Whether ``plan`` has a run step with ``no_cache``, which runs on every build: such
    a build is never answered from the record."""
    return any(
        isinstance(step, RunOp) and step.no_cache for stage in plan.stages for step in stage.steps
    )


def answer(
    plan: BuildPlan,
    tags: tuple[str, ...],
    attest: tuple[str, ...],
    host: str | None,
    store: RecordStore | None = None,
) -> BuildResult | None:
    """The build's result from the record, or ``None`` when a real build must run."""
    started = time.monotonic()
    socket = local_socket(host)
    if socket is None or runs_every_time(plan):
        return None
    store = store or RecordStore()
    with DaemonAPI(socket) as api:
        state = daemon_state(plan, host, api)
        if state is None or None in state.base_ids.values():
            return None
        entry = store.get("build", record_key(plan, state, tags, attest))
        if not isinstance(entry, dict):
            return None
        image_id, built_at = entry.get("image_id"), entry.get("built_at")
        if not isinstance(image_id, str) or not isinstance(built_at, int | float):
            return None
        try:
            if api.image(image_id) is None:
                return None
            if any(api.image_id(tag) != image_id for tag in tags):
                return None
        except DaemonAPIError:
            return None
    from framework.outcome import BuildResult

    short = image_id.removeprefix("sha256:")[:12]
    where = f"still tagged {', '.join(tags)}" if tags else "still in the image store"
    reason = f"unchanged since the build at {shown_time(built_at)}; image {short} {where}"
    return BuildResult(
        engine="docker",
        image_id=image_id,
        tags=tags,
        plan_digest=plan.digest,
        steps=_cached_steps(plan, reason),
        duration=time.monotonic() - started,
        context_bytes=0,
        from_record=True,
    )


def _cached_steps(plan: BuildPlan, reason: str) -> tuple[StepReport, ...]:
    from framework.outcome import StepReport

    return tuple(
        StepReport(
            stage=stage.name,
            index=number,
            description=describe_step(plan, step),
            status="cached" if changes_filesystem(step) else "config",
            where=None if step.origin is None else str(step.origin),
            reason=reason,
        )
        for stage in plan.stages
        for number, step in enumerate(stage.steps, start=1)
    )


def tag_key(daemon_id: str, tag: str) -> str:
    """The record of a tag on a daemon (``app`` and ``docker.io/library/app:latest`` are one)."""
    from framework.spec.references import normalise

    return json.dumps([daemon_id, normalise(tag)])


def tag_record(daemon_id: str, tag: str, store: RecordStore | None = None) -> dict[str, Any] | None:
    """What is recorded about the last build of ``tag`` on the daemon ``daemon_id``."""
    found = (store or RecordStore()).get("tag", tag_key(daemon_id, tag))
    return found if isinstance(found, dict) else None


def remember(  # noqa: PLR0917  # what a build asked for, what it found, what it made
    plan: BuildPlan,
    before: DaemonState,
    tags: tuple[str, ...],
    attest: tuple[str, ...],
    result: BuildResult,
    predicted: list[dict[str, Any]] | None = None,
    store: RecordStore | None = None,
) -> bool:
    """Record the successful build ``result`` of ``plan`` (its inputs as ``before`` the
    build); nothing is recorded when a base reference moved during the build (its image
    could be either). Per tag, also each step's digest and inputs and the step reports,
    for :mod:`framework.record.explanation`. Returns whether the build was recorded."""
    from framework.record.inputs import summarise

    with DaemonAPI(before.socket) as api:
        after = daemon_state(plan, None, api)
    if after is None or after.base_ids != before.base_ids or after.daemon_id != before.daemon_id:
        return False
    store = store or RecordStore()
    now = time.time()
    key = record_key(plan, before, tags, attest)
    stages = summarise(plan, before.base_ids)
    reports = [report.as_json() for report in result.steps]
    per_tag = {
        "key": key,
        "image_id": result.image_id,
        "built_at": now,
        "stages": stages,
        "reports": reports,
        "predicted": predicted,
    }
    return store.put_many(
        [
            ("build", key, {"image_id": result.image_id, "built_at": now}),
            *(("tag", tag_key(before.daemon_id, tag), per_tag) for tag in tags),
        ]
    )
