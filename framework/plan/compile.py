"""``compile()``: an ``Image`` becomes a ``BuildPlan``. Pure: no I/O, no engine.

Each image that is a base of another image, or that another image copies from,
becomes a stage. Each step is lowered to the operation it means
(:mod:`framework.plan.ops`): every question of meaning is answered here, once.
Stages are identified by what they describe: two equal descriptions are one stage
(shared), and only stages the target reaches are in the plan (unreachable ones are
never collected).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import Any, assert_never

from framework.errors import SpecError
from framework.plan.binds import ContextBind, StageBind
from framework.plan.model import BuildPlan, Stage
from framework.plan.ops import (
    AddArchiveOp,
    AddUrlOp,
    ArgOp,
    BuildArgs,
    CmdOp,
    CopyOp,
    EntrypointOp,
    EnvOp,
    ExposeOp,
    HealthcheckOp,
    LabelOp,
    PlanStep,
    RunOp,
    ShellOp,
    StageCopyOp,
    StopSignalOp,
    UserOp,
    VolumeOp,
    WorkdirOp,
    exec_argv,
    sendable_name,
)
from framework.spec import (
    Add,
    Arg,
    Bind,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Image,
    Inline,
    Label,
    Run,
    Secret,
    Shell,
    StagePath,
    StopSignal,
    Tmpfs,
    Url,
    User,
    Volume,
    Workdir,
)
from framework.spec._base import where
from framework.spec.expansion import references
from framework.spec.sources import ContextPath
from framework.spec.steps import DEFAULT_OWNER, DOWNLOAD_MODE, Step, resolve_path

__all__ = ["compile"]

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_DEFAULT_SHELL = ("/bin/sh", "-c")


def compile(image: Image) -> BuildPlan:
    """Compile ``image`` into a plan of stages, dependencies first, target last."""
    collector = _Collector()
    collector.visit(image)
    stages = collector.named_stages()
    _check_secret_ids(stages)
    return BuildPlan(stages=stages)


@dataclass
class _Lowering:
    """What lowering a step depends on: the workdir, user and shell set so far, whether
    this stage set a CMD, the build-time variables in effect (declared in this stage or in
    the stages it is built FROM, as BuildKit does, and not set again by an env step since:
    the last of the two sets a name), and the directories known to exist (made by a
    workdir or a copy since the last run step, which may change anything), each with what
    made it."""

    workdir: str | None = None
    user: str | None = None
    shell: tuple[str, ...] | None = None
    cmd_in_stage: bool = False
    args: dict[str, str | None] = field(default_factory=dict)
    directories: dict[str, str] = field(default_factory=dict)

    def made_directories(self, path: str, by: str, *, itself: bool = True) -> None:
        """Record that ``path`` (when ``itself``) and every directory above it exist."""
        if not itself:
            path = posixpath.dirname(path)
        while True:
            self.directories.setdefault(path, by)
            if path == "/":
                return
            path = posixpath.dirname(path)

    def shell_argv(self, script: str) -> tuple[str, ...]:
        """The argv that runs ``script`` under the shell in effect."""
        return (*(self.shell or _DEFAULT_SHELL), script)

    def visible_args(self, names: set[str] | None = None) -> BuildArgs:
        """The build-time variables a step's environment holds (of ``names``, when given)."""
        return tuple(
            (name, value) for name, value in self.args.items() if names is None or name in names
        )


class _Collector:
    def __init__(self) -> None:
        self.order: list[tuple[Stage, str | None]] = []  # (stage with provisional name, user name)
        self.by_id: dict[str, Stage] = {}
        self.by_image: dict[int, str] = {}
        self.final: dict[str, _Lowering] = {}  # what each stage leaves to stages built on it
        self.visiting: set[int] = set()

    def visit(self, image: Image) -> str:
        """Collect ``image`` and what it needs; return its stage id."""
        key = id(image)
        if key in self.by_image:
            return self.by_image[key]
        if key in self.visiting:
            raise SpecError(
                "the stages refer to each other in a cycle",
                fix="make sure no image copies from, or builds on, an image derived from it",
                where=where(image.origin),
            )
        self.visiting.add(key)
        base_stage = self.visit(image.base) if isinstance(image.base, Image) else None
        stage_refs = {id(path): self.visit(path.image) for path in _stage_paths(image.steps)}
        base = image.base if isinstance(image.base, str) else None
        stage_id = _digest(base, image.platform, base_stage, image.steps, stage_refs)
        self.visiting.discard(key)
        self.by_image[key] = stage_id
        if stage_id not in self.by_id:
            inherited = self.final[base_stage] if base_stage else _Lowering()
            state = _Lowering(
                workdir=inherited.workdir,
                user=inherited.user,
                shell=inherited.shell,
                args=dict(inherited.args),
                directories=dict(inherited.directories),
            )
            steps = tuple(_lower(step, state, stage_refs) for step in image.steps)
            self.final[stage_id] = state
            stage = Stage(
                id=stage_id,
                name="",
                base=base,
                platform=image.platform,
                base_stage=base_stage,
                steps=steps,
                origin=image.origin,
            )
            self.by_id[stage_id] = stage
            self.order.append((stage, image.name))
        return stage_id

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
            named.append(replace(stage, name=name))
        return tuple(named)


def _stage_paths(steps: tuple[Step, ...]) -> list[StagePath]:
    """The paths of other images the steps copy or bind, in order (keys of stage refs)."""
    found: list[object] = []
    for step in steps:
        if isinstance(step, Copy):
            found.append(step.source)
        elif isinstance(step, Run):
            found += [m.source for m in step.mounts if isinstance(m, Bind)]
    return [path for path in found if isinstance(path, StagePath)]


def _lower_mount(
    mount: Bind | Tmpfs, stage_refs: dict[int, str]
) -> ContextBind | StageBind | Tmpfs:
    if isinstance(mount, Tmpfs):
        return mount
    source = mount.source
    if isinstance(source, StagePath):
        return StageBind(stage_refs[id(source)], source.path, mount.target, mount.rw)
    return ContextBind(source, mount.target, mount.rw)


def _lower(step: Step, state: _Lowering, stage_refs: dict[int, str]) -> PlanStep:
    """``step`` as the operation it means at this point of its stage (updates ``state``)."""
    match step:
        case Run():
            argv, script = step.argv, step.script
            if script is not None and state.shell is not None:
                argv, script = state.shell_argv(script), None
            state.directories.clear()
            return RunOp(
                argv=exec_argv(argv, script, step.env, step.secrets),
                command=step.command(),
                cache=step.cache,
                secrets=step.secrets,
                mounts=tuple(_lower_mount(m, stage_refs) for m in step.mounts),
                network=step.network,
                args=state.visible_args(),
                no_cache=step.no_cache,
                origin=step.origin,
            )
        case Arg():
            for name, value in step.values:
                state.args.pop(name, None)  # a redeclared variable moves to the end
                state.args[name] = value
            return ArgOp(values=step.values, origin=step.origin)
        case Copy():
            return _lower_copy(step, state, stage_refs)
        case Add():
            return _lower_add(step, state)
        case Workdir():
            state.workdir = resolve_path(step.path, state.workdir)
            state.made_directories(state.workdir, _made_by("workdir", step))
            owner = state.user or DEFAULT_OWNER
            return WorkdirOp(path=state.workdir, written=step.path, owner=owner, origin=step.origin)
        case User():
            state.user = step.user
            return UserOp(user=step.user, origin=step.origin)
        case Env():
            referred = {n for _, v in step.values for n in references(v)} if step.expand else None
            args = state.visible_args(referred) if referred else ()
            for name, _ in step.values:
                state.args.pop(name, None)  # from here on the env's value is the one seen
            return EnvOp(values=step.values, expand=step.expand, args=args, origin=step.origin)
        case Label():
            return LabelOp(values=step.values, origin=step.origin)
        case Expose():
            return ExposeOp(port=step.port, protocol=step.protocol, origin=step.origin)
        case Entrypoint():
            argv = step.argv if step.script is None else state.shell_argv(step.script)
            assert argv is not None
            return EntrypointOp(argv=argv, keep_cmd=state.cmd_in_stage, origin=step.origin)
        case Cmd():
            state.cmd_in_stage = True
            argv = step.argv if step.script is None else state.shell_argv(step.script)
            assert argv is not None
            return CmdOp(argv=argv, origin=step.origin)
        case Healthcheck():
            return HealthcheckOp(
                argv=step.argv,
                script=step.script,
                interval=step.interval,
                timeout=step.timeout,
                start_period=step.start_period,
                retries=step.retries,
                origin=step.origin,
            )
        case Volume():
            paths = tuple(resolve_path(p, state.workdir) for p in step.paths)
            return VolumeOp(paths=paths, written=step.paths, origin=step.origin)
        case StopSignal():
            return StopSignalOp(signal=step.signal, origin=step.origin)
        case Shell():
            state.shell = step.argv
            return ShellOp(argv=step.argv, origin=step.origin)
        case _:
            assert_never(step)


def _lower_copy(step: Copy, state: _Lowering, stage_refs: dict[int, str]) -> PlanStep:
    dest = _absolute(step.dest, state.workdir)
    bare = dest.rstrip("/") or "/"
    owner = None if step.keep_owner else step.owner or DEFAULT_OWNER
    made_by = _made_by("copy", step)
    known_directory = step.into_directory or bare in state.directories
    source = step.source
    match source:
        case StagePath():
            inside = posixpath.join(bare, posixpath.basename(source.path))
            state.made_directories(bare, made_by, itself=False)
            return StageCopyOp(
                stage=stage_refs[id(source)],
                path=source.path,
                dest=dest,
                file_dest=inside if known_directory else dest,
                written=step.dest,
                owner=owner,
                mode=step.mode,
                origin=step.origin,
                inside=None if known_directory else inside,
            )
        case ContextPath() if source.is_dir:
            assert owner is not None
            state.made_directories(bare, made_by)
            written = step.dest if step.dest.endswith("/") else step.dest + "/"
            return CopyOp(source, True, dest, written, step.dest, owner, step.mode, step.origin)
        case ContextPath() | Inline():
            assert owner is not None
            state.made_directories(bare, made_by, itself=False)
            if isinstance(source, Inline):
                if known_directory:
                    raise _inline_onto_directory(step, bare, state.directories[bare])
                inside = posixpath.join(bare, sendable_name(posixpath.basename(bare)))
                return CopyOp(
                    source, False, dest, step.dest, step.dest, owner, step.mode, step.origin, inside
                )
            name = posixpath.basename(source.path)
            if not known_directory:
                inside = posixpath.join(bare, sendable_name(name))
                return CopyOp(
                    source, False, dest, step.dest, step.dest, owner, step.mode, step.origin, inside
                )
            into, written = posixpath.join(bare, name), posixpath.join(step.dest, name)
            return CopyOp(source, False, into, written, step.dest, owner, step.mode, step.origin)
        case _:
            assert_never(source)


def _lower_add(step: Add, state: _Lowering) -> PlanStep:
    source = step.source
    match source:
        case ContextPath():
            dest = resolve_path(step.dest, state.workdir)
            return AddArchiveOp(source=source, dest=dest, written=step.dest, origin=step.origin)
        case Url():
            dest, written = resolve_path(step.dest, state.workdir), step.dest
            if step.into_directory:
                dest = posixpath.join(dest, source.file_name)
                written = posixpath.join(written, source.file_name)
            return AddUrlOp(
                source=source,
                dest=dest,
                written=written,
                owner=step.owner or DEFAULT_OWNER,
                mode=DOWNLOAD_MODE if step.mode is None else step.mode,
                origin=step.origin,
            )
        case _:
            assert_never(source)


def _made_by(kind: str, step: Step) -> str:
    return f"the {kind} at {step.origin}" if step.origin is not None else f"a {kind} step"


def _inline_onto_directory(step: Copy, path: str, made_by: str) -> SpecError:
    """Inline content has no file name to keep inside a directory: where the description
    itself makes ``path`` a directory, the copy is refused rather than named for it."""
    return SpecError(
        f"inline content copied to {step.dest!r}, which is a directory ({path}, made by "
        f"{made_by}): inline content has no file name to keep inside it",
        fix=f"give the file's own path as the destination, e.g. "
        f"'{posixpath.join(step.dest, 'config.toml')}'",
        where=where(step.origin),
    )


def _absolute(path: str, workdir: str | None) -> str:
    """``path`` made absolute; a trailing ``/`` is kept (it means "into this directory")."""
    absolute = resolve_path(path, workdir)
    return absolute + "/" if path.endswith("/") and absolute != "/" else absolute


def _stage_name(user_name: str, stage: Stage) -> str:
    name = user_name.lower()
    if not _NAME.fullmatch(name) or name.startswith("stage-") or name == "scratch":
        raise SpecError(
            f"image name {user_name!r} cannot name a stage",
            fix="use lowercase letters, digits, '.', '_' and '-' (not 'scratch' or 'stage-...')",
            where=where(stage.origin),
        )
    return name


def _digest(
    base: str | None,
    platform: str | None,
    base_stage: str | None,
    steps: tuple[Step, ...],
    stage_refs: dict[int, str],
) -> str:
    document: dict[str, Any] = {
        "base": base,
        "base_stage": base_stage,
        "steps": [_canonical(step, stage_refs) for step in steps],
    }
    if platform is not None:  # absent otherwise: ids of stages without one stay as they were
        document["platform"] = platform
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()


def _canonical(step: Step, stage_refs: dict[int, str]) -> dict[str, Any]:
    """What a step means, as JSON: no origins, no secret sources or values."""
    data: dict[str, Any] = step.as_json(exclude={"source", "secrets", "mounts"})
    if isinstance(step, Copy | Add):
        data["source"] = _canonical_source(step.source, stage_refs.get(id(step.source)))
    if isinstance(step, Run):
        data["secrets"] = [
            {"id": use.secret.id, "env": use.env, "path": use.path} for use in step.secrets
        ]
        if step.mounts:  # absent when none, so older descriptions keep their stage ids
            data["mounts"] = [
                m.as_json()
                if isinstance(m, Tmpfs)
                else {
                    "bind": _canonical_source(m.source, stage_refs.get(id(m.source))),
                    "target": m.target,
                    "rw": m.rw,
                }
                for m in step.mounts
            ]
    return data


def _canonical_source(
    source: ContextPath | Inline | StagePath | Url, stage_id: str | None
) -> dict[str, Any]:
    match source:
        case ContextPath():
            ctx = source.context
            return {
                "context": str(ctx.path),
                "include": list(ctx.include),
                "exclude": list(ctx.exclusions),
                "path": source.path,
            }
        case Inline():
            return {"inline_sha256": source.sha256}
        case StagePath():
            return {"stage": stage_id, "path": source.path}
        case Url():
            return {"url": source.url, "sha256": source.sha256}
        case _:
            assert_never(source)


def _check_secret_ids(stages: tuple[Stage, ...]) -> None:
    seen: dict[str, Secret] = {}
    for stage in stages:
        for step in stage.steps:
            if not isinstance(step, RunOp):
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
