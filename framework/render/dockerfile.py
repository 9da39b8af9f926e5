"""Render a ``BuildPlan`` as a Dockerfile plus the build context it needs. Pure.

The same plan always renders to the same bytes. Every user value is escaped so that
the built image holds exactly the value in the spec:

- run, entrypoint, cmd and healthcheck commands are JSON (exec form); a string command
  is already lowered by the plan with its shell (``["/bin/sh", "-c", string]`` unless a
  ``SHELL`` step set another), so ``SHELL`` (written only for the image config) and
  Dockerfile quoting never apply,
  except a shell-form healthcheck, written verbatim as Docker's ``CMD-SHELL`` form (the
  spec keeps it to one line that no Dockerfile reads otherwise);
- env and label values are double-quoted with ``\\``, ``"`` and ``$`` escaped (an
  env value set with ``expand`` keeps its ``$NAME`` for BuildKit to expand). No
  Dockerfile line can hold a line break, and no frontend (20.10 to 29) has an escape
  for one in ENV or LABEL, so such values travel outside the Dockerfile without
  leaking: an env value is the build argument named like the variable
  (``ARG NAME`` + ``ENV NAME=${NAME}``), so a later step's environment holds exactly
  what the ENV sets; a later RUN starts a new Dockerfile stage (``FROM`` the one before),
  so it carries no ``|1 NAME=...`` build-argument prefix in history. A label value is
  set on the built image by the build command (``RenderedBuild.labels``);
- copied files never appear by name: the engine places each copy source in the build
  context as ``c-<hash>`` (a file, or a directory of the files to copy), and only those
  files are sent;
- a stage's platform is ``FROM --platform=...`` (the build platform is BuildKit's
  ``$BUILDPLATFORM``, which every frontend declares);
- paths are written as the user spelled them (``CopyOp.written``): a relative one
  resolves against the WORKDIR the plan resolved it against. A copy from the context
  owned by root (the plan's default) carries no ``--chown``: it is Docker's default.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from dataclasses import dataclass
from typing import assert_never

from framework.errors import SpecError
from framework.plan import (
    ArgOp,
    BuildPlan,
    CmdOp,
    CopyOp,
    EntrypointOp,
    EnvOp,
    ExposeOp,
    HealthcheckOp,
    LabelOp,
    RunOp,
    ShellOp,
    Stage,
    StageCopyOp,
    StopSignalOp,
    UserOp,
    VolumeOp,
    WorkdirOp,
    changes_filesystem,
)
from framework.render.features import BASELINE, Features
from framework.spec import Inline
from framework.spec.sources import ContextPath
from framework.spec.steps import DEFAULT_OWNER, go_duration

__all__ = ["ContextEntry", "RenderedBuild", "StepVertex", "render"]

_COPY_SPECIAL = re.compile(r"[\\$'\"]")


@dataclass(frozen=True, kw_only=True)
class ContextEntry:
    """A top-level entry ``name`` of the build context and what the engine puts there.

    A directory source becomes a directory holding its files (filtered by the
    context's patterns); a file or inline source becomes a file.
    """

    name: str
    source: ContextPath | Inline


@dataclass(frozen=True, kw_only=True)
class StepVertex:
    """Which step BuildKit's vertex ``[name i/N]`` stands for (``step`` None: FROM).

    ``name`` is the Dockerfile stage BuildKit shows, ``stage`` the plan's stage: one plan
    stage renders as several Dockerfile stages when a multi-line env value is set
    before a run step. Only a stage FROM an image has a FROM vertex (``[name 1/N]``);
    a stage FROM scratch or FROM another stage counts from its first step.
    """

    stage: str
    index: int
    step: int | None
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class RenderedBuild:
    """A Dockerfile, the build arguments and image labels its multi-line values need
    (``--build-arg NAME=value``, ``--label key=value``), and its context's contents."""

    dockerfile: str
    build_args: tuple[tuple[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    context: tuple[ContextEntry, ...] = ()
    vertices: tuple[StepVertex, ...] = ()


def render(plan: BuildPlan, features: Features = BASELINE) -> RenderedBuild:
    """Render ``plan`` for a frontend with ``features``; its last stage is the build
    target. The same plan and features always give the same bytes."""
    state = _State(features)
    blocks = [_render_stage(plan, stage, state) for stage in plan.stages]
    _check_arg_names(plan, state)
    return RenderedBuild(
        dockerfile="\n".join(blocks),
        build_args=tuple(state.build_args.items()),
        labels=_multiline_labels(plan),
        context=tuple(state.entries.values()),
        vertices=tuple(state.vertices),
    )


def _check_arg_names(plan: BuildPlan, state: _State) -> None:
    """Refuse a build-time variable named like a build argument the render passes (a
    multi-line env value's): the build argument would override the ARG's value."""
    for stage in plan.stages:
        for step in stage.steps:
            if not isinstance(step, ArgOp):
                continue
            for name, _ in step.values:
                if name in state.build_args:
                    raise SpecError(
                        f"arg {name} shares its name with an env variable given a multi-line"
                        " value, which the docker engine passes as the build argument"
                        f" {name}, overriding the arg",
                        fix="give the arg or the env variable another name",
                        where=None if step.origin is None else str(step.origin),
                    )


def _multiline(text: str) -> bool:
    return "\n" in text or "\r" in text


def _multiline_labels(plan: BuildPlan) -> tuple[tuple[str, str], ...]:
    """The target's final labels whose values have a line break (set by the build
    command, since the Dockerfile leaves them out). Only the target's own line of
    stages (FROM another stage) shapes its config."""
    lineage: list[Stage] = []
    stage: Stage | None = plan.target
    while stage is not None:
        lineage.insert(0, stage)
        stage = plan.stage(stage.base_stage) if stage.base_stage else None
    final: dict[str, str] = {}
    for stage in lineage:
        for step in stage.steps:
            if isinstance(step, LabelOp):
                final.update(step.values)
    return tuple((k, v) for k, v in final.items() if _multiline(v))


class _State:
    def __init__(self, features: Features) -> None:
        self.features = features
        self.build_args: dict[str, str] = {}
        self.entries: dict[str, ContextEntry] = {}
        self.vertices: list[StepVertex] = []

    def env_value(self, name: str, text: str, step: EnvOp) -> str:
        """A Dockerfile word that evaluates to ``text`` exactly in ``ENV name=...``, or,
        for an expanded value, to ``text`` with its ``$NAME`` references expanded by
        BuildKit from the image's environment (the plan allows no other ``$``)."""
        if step.expand:
            return _quote(text, dollars=False)
        if not _multiline(text):
            return _quote(text)
        known = self.build_args.setdefault(name, text)
        if known != text:
            raise SpecError(
                f"env {name} is given two different multi-line values in one build; the "
                f"docker engine passes a multi-line value as the build argument {name}, "
                "which holds one value per build",
                fix="give one of them a single-line value, or use another variable name",
                where=None if step.origin is None else str(step.origin),
            )
        return "${" + name + "}"

    def entry(self, source: ContextPath | Inline) -> str:
        """The context name under which ``source`` is sent (equal sources share one)."""
        if isinstance(source, Inline):
            identity = ["inline", source.sha256]
        else:
            ctx = source.context
            identity = ["context", ctx.path.name, source.path, *ctx.include, "", *ctx.exclusions]
        base = "c-" + hashlib.sha256("\0".join(identity).encode()).hexdigest()[:16]
        name, suffix = base, 1
        while name in self.entries and _key(self.entries[name].source) != _key(source):
            suffix += 1
            name = f"{base}-{suffix}"
        self.entries[name] = ContextEntry(name=name, source=source)
        return name


def _key(source: ContextPath | Inline) -> tuple[object, ...]:
    """What a source sends, without where it was declared."""
    if isinstance(source, Inline):
        return ("inline", source.sha256)
    ctx = source.context
    return ("context", ctx.path, ctx.include, ctx.exclusions, source.path)


def _render_stage(plan: BuildPlan, stage: Stage, state: _State) -> str:
    if stage.base_stage is not None:
        base = plan.stage(stage.base_stage).name
    else:
        base = stage.base or "scratch"
    # BuildKit shows FROM (of an image only), RUN, COPY and WORKDIR as "[name i/N]".
    segments: list[tuple[list[str], list[int | None]]] = [
        ([], [None] if stage.base is not None and stage.base_stage is None else [])
    ]
    scoped = False  # a build argument is declared in the current Dockerfile stage
    for number, step in enumerate(stage.steps):
        if isinstance(step, RunOp) and scoped:
            # FROM the segment before: its ARG lines stay behind (the values of the ARGs
            # are inherited, as by any stage FROM another, so the user's still apply).
            segments.append(([], []))
            scoped = False
        lines, vertex_steps = segments[-1]
        before = set(state.build_args)
        line = _render_step(plan, stage, number, state)
        declared = [name for name in state.build_args if name not in before]
        if isinstance(step, EnvOp):
            declared = [k for k, v in step.values if _multiline(v)]
        lines.extend(f"ARG {name}" for name in declared)
        scoped = scoped or bool(declared)
        if line:
            lines.append(line)
        if changes_filesystem(step):
            vertex_steps.append(number)
    names = [f"stage-{stage.name}.{i}" for i in range(1, len(segments))] + [stage.name]
    blocks: list[str] = []
    # A platform is the base image's: later segments are FROM the segment before.
    flag = f"--platform={stage.platform} " if stage.platform is not None else ""
    for i, (lines, vertex_steps) in enumerate(segments):
        source = flag + base if i == 0 else names[i - 1]
        blocks.append("\n".join([f"FROM {source} AS {names[i]}", *lines]) + "\n")
        state.vertices.extend(
            StepVertex(stage=stage.name, index=n, step=s, name=names[i])
            for n, s in enumerate(vertex_steps, 1)
        )
    return "".join(blocks)


def _render_step(plan: BuildPlan, stage: Stage, number: int, state: _State) -> str:
    """The Dockerfile line of ``stage.steps[number]`` ("" when it needs none)."""
    step = stage.steps[number]
    match step:
        case RunOp():
            return _render_run(step)
        case ArgOp():
            return "ARG " + " ".join(_arg_word(name, value) for name, value in step.values)
        case CopyOp():
            return _render_copy(step, state)
        case StageCopyOp():
            flags = _copy_flags(step.owner, step.mode)
            if state.features.copy_link and _link_is_equivalent(stage, number):
                flags = " --link" + flags
            source = plan.stage(step.stage).name
            return f"COPY --from={source}{flags} {_json_path_list([step.path, step.written])}"
        case EnvOp():
            pairs = (f"{k}={state.env_value(k, v, step)}" for k, v in step.values)
            return "ENV " + " ".join(pairs)
        case LabelOp():
            single = [(k, v) for k, v in step.values if not _multiline(v)]
            if not single:
                return ""
            return "LABEL " + " ".join(f"{_quote(k)}={_quote(v)}" for k, v in single)
        case WorkdirOp():
            return f"WORKDIR {_quote(step.written)}"
        case UserOp():
            return f"USER {step.user}"
        case ExposeOp():
            return f"EXPOSE {step.port}/{step.protocol}"
        case EntrypointOp():
            return f"ENTRYPOINT {_json(step.argv)}"
        case CmdOp():
            return f"CMD {_json(step.argv)}"
        case HealthcheckOp():
            return _render_healthcheck(step)
        case VolumeOp():
            return f"VOLUME {_json_path_list(list(step.paths))}"
        case StopSignalOp():
            return f"STOPSIGNAL {step.signal}"
        case ShellOp():
            return f"SHELL {_json(step.argv)}"
        case _:
            assert_never(step)


def _arg_word(name: str, value: str | None) -> str:
    """``NAME="value"``, quoted as an ENV value; ``NAME`` alone for a platform variable
    (BuildKit fills it)."""
    return name if value is None else f"{name}={_quote(value)}"


def _render_healthcheck(step: HealthcheckOp) -> str:
    """Only the options given are written; Docker's defaults apply to the rest."""
    if step.argv is None and step.script is None:
        return "HEALTHCHECK NONE"
    options = [
        f"--{name}={go_duration(value)}"
        for name, value in (
            ("interval", step.interval),
            ("timeout", step.timeout),
            ("start-period", step.start_period),
        )
        if value is not None
    ]
    if step.retries is not None:
        options.append(f"--retries={step.retries}")
    # Shell form: the rest of the line, verbatim (the spec keeps it to one line).
    command = _json(step.argv) if step.argv is not None else step.script
    return " ".join(["HEALTHCHECK", *options, "CMD", str(command)])


def _link_is_equivalent(stage: Stage, number: int) -> bool:
    """Whether ``COPY --link`` means what ``COPY`` means for ``stage.steps[number]``.

    ``--link`` writes the files into an empty layer and stacks it, so it differs where the
    destination's path already holds something: a symlink among its parents (not followed)
    or an existing entry of another type. That is known not to happen only on scratch,
    when every earlier filesystem step is a copy whose destination neither contains nor
    lies inside this one's, and the owner is numeric (no /etc/passwd is read) and no mode
    is set (BuildKit ignores --link with --chmod). The first step is left as it is:
    linking onto nothing gains nothing, and BuildKit 0.13 then shows no vertex for it.
    """
    step = stage.steps[number]
    assert isinstance(step, StageCopyOp)
    if stage.base is not None or stage.base_stage is not None or step.mode is not None:
        return False
    if step.owner is not None and not re.fullmatch(r"\d+(:\d+)?", step.owner):
        return False
    earlier_steps = [s for s in stage.steps[:number] if changes_filesystem(s)]
    if not earlier_steps:
        return False
    mine = posixpath.normpath(step.dest)
    for earlier in earlier_steps:
        if not isinstance(earlier, CopyOp | StageCopyOp):
            return False
        theirs = posixpath.normpath(earlier.dest)
        if _within(mine, theirs) or _within(theirs, mine):
            return False
    return True


def _within(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _render_run(step: RunOp) -> str:
    mounts = [
        f"--mount=type=cache,target={m.target},id={m.cache_id},sharing={m.sharing}"
        for m in step.cache
    ]
    mounts += [
        f"--mount=type=secret,id={use.secret.id},target={use.mount_path}" for use in step.secrets
    ]
    if not step.network:
        mounts.append("--network=none")
    return " ".join(["RUN", *mounts, _json(step.argv)])


def _render_copy(step: CopyOp, state: _State) -> str:
    name = state.entry(step.source)
    # Docker's COPY from the context already writes root-owned files.
    flags = _copy_flags(None if step.owner == DEFAULT_OWNER else step.owner, step.mode)
    if step.is_dir:
        return f"COPY{flags} {_json_path_list([name + '/', step.written])}"
    return f"COPY{flags} {_json_path_list([name, step.written])}"


def _copy_flags(owner: str | None, mode: int | None) -> str:
    flags = f" --chown={owner}" if owner else ""
    return flags + (f" --chmod={mode:04o}" if mode is not None else "")


def _json(argv: tuple[str, ...] | list[str]) -> str:
    return json.dumps(list(argv), ensure_ascii=True)


def _json_path_list(paths: list[str]) -> str:
    # COPY runs the words of its JSON form through the shell-word lexer too.
    return _json([_COPY_SPECIAL.sub(r"\\\g<0>", p) for p in paths])


def _quote(text: str, *, dollars: bool = True) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if dollars:
        escaped = escaped.replace("$", "\\$")
    return f'"{escaped}"'
