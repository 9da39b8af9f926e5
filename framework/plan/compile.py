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
from framework.plan.model import BuildPlan, Stage
from framework.plan.ops import (
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
)
from framework.spec import (
    Arg,
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
    User,
    Volume,
    Workdir,
)
from framework.spec._base import where
from framework.spec.expansion import references
from framework.spec.sources import ContextPath
from framework.spec.steps import DEFAULT_OWNER, Step, resolve_path

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
    this stage set a CMD, and the build-time variables in effect: declared in this stage
    or in the stages it is built FROM (as BuildKit does), and not set again by an env
    step since (the last of the two sets a name)."""

    workdir: str | None = None
    user: str | None = None
    shell: tuple[str, ...] | None = None
    cmd_in_stage: bool = False
    args: dict[str, str | None] = field(default_factory=dict)

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
        stage_refs = {
            id(step): self.visit(step.source.image)
            for step in image.steps
            if isinstance(step, Copy) and isinstance(step.source, StagePath)
        }
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


def _lower(step: Step, state: _Lowering, stage_refs: dict[int, str]) -> PlanStep:
    """``step`` as the operation it means at this point of its stage (updates ``state``)."""
    match step:
        case Run():
            argv, script = step.argv, step.script
            if script is not None and state.shell is not None:
                argv, script = state.shell_argv(script), None
            return RunOp(
                argv=exec_argv(argv, script, step.env, step.secrets),
                command=step.command(),
                cache=step.cache,
                secrets=step.secrets,
                network=step.network,
                args=state.visible_args(),
                origin=step.origin,
            )
        case Arg():
            for name, value in step.values:
                state.args.pop(name, None)  # a redeclared variable moves to the end
                state.args[name] = value
            return ArgOp(values=step.values, origin=step.origin)
        case Copy():
            return _lower_copy(step, state, stage_refs)
        case Workdir():
            state.workdir = resolve_path(step.path, state.workdir)
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
    owner = step.owner or DEFAULT_OWNER
    source = step.source
    match source:
        case StagePath():
            into = step.into_directory
            file_dest = posixpath.join(dest, posixpath.basename(source.path)) if into else dest
            return StageCopyOp(
                stage=stage_refs[id(step)],
                path=source.path,
                dest=dest,
                file_dest=file_dest,
                written=step.dest,
                owner=owner,
                mode=step.mode,
                origin=step.origin,
            )
        case ContextPath() if source.is_dir:
            written = step.dest if step.dest.endswith("/") else step.dest + "/"
            return CopyOp(source, True, dest, written, step.dest, owner, step.mode, step.origin)
        case ContextPath() | Inline():
            written = step.dest
            if step.into_directory and isinstance(source, ContextPath):
                name = posixpath.basename(source.path)
                dest, written = posixpath.join(dest, name), posixpath.join(written, name)
            return CopyOp(source, False, dest, written, step.dest, owner, step.mode, step.origin)
        case _:
            assert_never(source)


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
    data: dict[str, Any] = step.as_json(exclude={"source", "secrets"})
    if isinstance(step, Copy):
        data["source"] = _canonical_source(step.source, stage_refs.get(id(step)))
    if isinstance(step, Run):
        data["secrets"] = [
            {"id": use.secret.id, "env": use.env, "path": use.path} for use in step.secrets
        ]
    return data


def _canonical_source(
    source: ContextPath | Inline | StagePath, stage_id: str | None
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
