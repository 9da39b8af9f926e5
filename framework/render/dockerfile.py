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
- copied files are sent under names of the framework's: the engine places each copy
  source in the build context as ``c-<hash>`` (a directory of the files to copy, or a
  directory holding the one file under the name it keeps: its own, or for inline content
  the destination's), and only those files are sent. So ``COPY c-<hash>/app.conf /etc/app``
  puts ``app.conf`` inside ``/etc/app`` when that is an existing directory, as Docker's
  ``COPY app.conf /etc/app`` does;
- a run step with ``no_cache`` is preceded by ``ARG FRAMEWORK_NO_CACHE`` (in a Dockerfile
  stage of its own, as for multi-line env values), to which the engine gives a new value
  on every build (``RenderedBuild.fresh_args``): the step's definition changes with it, so
  BuildKit runs it and every later step again. The value is not in the plan, its digests,
  the Dockerfile or the image config's environment;
- an archive that an add step unpacks is sent as a file and written ``ADD``, so BuildKit
  unpacks it as Docker's ``ADD`` does; a URL's file is fetched and verified by the
  framework before the build and sent like a context file, written as a ``COPY`` with
  the add step's owner and mode (no frontend from Docker 20.10 on can verify a checksum
  of its own: ``ADD --checksum`` needs Docker 24+); a bind mount of a context path is
  sent the same way and mounted with ``--mount=type=bind,source=c-<hash>``;
- mount paths are written bare: the spec keeps them to characters a ``--mount`` option
  carries unquoted. Cache options equal to the frontend's defaults are left out;
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
    AddArchiveOp,
    AddUrlOp,
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
from framework.plan.binds import ContextBind, StageBind
from framework.render.features import BASELINE, Features
from framework.spec import CacheMount, Inline, Tmpfs
from framework.spec.mounts import DEFAULT_CACHE_MODE
from framework.spec.sources import ContextPath
from framework.spec.steps import DEFAULT_OWNER, go_duration
from framework.spec.urls import Url

__all__ = [
    "NO_CACHE_ARG",
    "ContextEntry",
    "RenderedBuild",
    "StepInstructions",
    "StepVertex",
    "render",
]

_COPY_SPECIAL = re.compile(r"[\\$'\"]")


@dataclass(frozen=True, kw_only=True)
class ContextEntry:
    """A top-level entry ``name`` of the build context and what the engine puts there.

    A directory source becomes a directory holding its files (filtered by the
    context's patterns); a file, inline or URL source becomes a file (a URL's: the
    verified download, :mod:`framework.downloads`).
    """

    name: str
    source: ContextPath | Inline | Url
    file_name: str | None = None
    """For a file source: the name of the one file in the directory ``name``."""
    unpacked: bool = False
    """An add step unpacks it: the engine checks it is still a tar archive when staged."""

    @property
    def path(self) -> str:
        """Where the source is in the context: the directory, or the file in it."""
        return self.name if self.file_name is None else f"{self.name}/{self.file_name}"


NO_CACHE_ARG = "FRAMEWORK_NO_CACHE"
"""The build argument a ``no_cache`` run step sees, given a new value on every build."""


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
class StepInstructions:
    """The instruction words of the Dockerfile lines written for step ``step`` of the
    plan's stage ``stage`` (its name), in the order written.

    Usually one word, the step's own (an add of a URL: ``COPY``). A multi-line env value
    adds an ``ARG NAME`` line before the ``ENV`` (``("ARG", "ENV")``), as does a
    ``no_cache`` run step (``("ARG", "RUN")``); a label whose values all hold a line break
    writes none (``()``: the build command sets them). BuildKit records one history entry
    per line, so these words line up with the built image's history.
    """

    stage: str
    step: int
    words: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class RenderedBuild:
    """A Dockerfile, the build arguments and image labels its multi-line values need
    (``--build-arg NAME=value``, ``--label key=value``), the build arguments to give a new
    value on every build (``fresh_args``), its context's contents, BuildKit's vertices
    (``vertices``), and the instruction words written for each step of the plan
    (``instructions``: one per step, in the order of the plan's stages and their steps)."""

    dockerfile: str
    build_args: tuple[tuple[str, str], ...] = ()
    fresh_args: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    context: tuple[ContextEntry, ...] = ()
    vertices: tuple[StepVertex, ...] = ()
    instructions: tuple[StepInstructions, ...] = ()


def render(plan: BuildPlan, features: Features = BASELINE) -> RenderedBuild:
    """Render ``plan`` for a frontend with ``features``; its last stage is the build
    target. The same plan and features always give the same bytes."""
    state = _State(features)
    blocks = [_render_stage(plan, stage, state) for stage in plan.stages]
    _check_arg_names(plan, state)
    return RenderedBuild(
        dockerfile="\n".join(blocks),
        build_args=tuple(state.build_args.items()),
        fresh_args=(NO_CACHE_ARG,) if state.fresh else (),
        labels=_multiline_labels(plan),
        context=tuple(state.entries.values()),
        vertices=tuple(state.vertices),
        instructions=tuple(state.instructions),
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
        self.instructions: list[StepInstructions] = []
        self.fresh = False  # a run step declares NO_CACHE_ARG

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

    def entry(
        self,
        source: ContextPath | Inline | Url,
        file_name: str | None = None,
        *,
        unpacked: bool = False,
    ) -> str:
        """The context path at which ``source`` is sent, a file as ``file_name`` (equal
        sources under one name share one entry); ``unpacked``: an add step unpacks it."""
        if isinstance(source, Inline):
            identity = ["inline", source.sha256, file_name or ""]
        elif isinstance(source, Url):
            identity = ["download", source.sha256, file_name or ""]
        else:
            ctx = source.context
            identity = ["context", ctx.path.name, source.path, *ctx.include, "", *ctx.exclusions]
        base = "c-" + hashlib.sha256("\0".join(identity).encode()).hexdigest()[:16]
        name, suffix = base, 1
        while name in self.entries and _entry_key(self.entries[name]) != _key(source, file_name):
            suffix += 1
            name = f"{base}-{suffix}"
        known = self.entries.get(name)
        unpacked = unpacked or (known is not None and known.unpacked)
        self.entries[name] = ContextEntry(
            name=name, source=source, file_name=file_name, unpacked=unpacked
        )
        return self.entries[name].path


def _entry_key(entry: ContextEntry) -> tuple[object, ...]:
    """What an entry sends, without where its source was declared: equal keys, equal
    staged files."""
    return _key(entry.source, entry.file_name)


def _key(source: ContextPath | Inline | Url, file_name: str | None) -> tuple[object, ...]:
    if isinstance(source, Inline):
        return ("inline", source.sha256, file_name)
    if isinstance(source, Url):
        return ("download", source.sha256, file_name)
    ctx = source.context
    return ("context", ctx.path, ctx.include, ctx.exclusions, source.path, file_name)


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
        if isinstance(step, RunOp) and step.no_cache:
            declared, state.fresh = [NO_CACHE_ARG], True
        written = [f"ARG {name}" for name in declared] + ([line] if line else [])
        lines.extend(written)
        state.instructions.append(
            StepInstructions(
                stage=stage.name,
                step=number,
                words=tuple(text.split(" ", 1)[0] for text in written),
            )
        )
        scoped = scoped or bool(declared)
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
            return _render_run(plan, step, state)
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
        case AddArchiveOp():
            name = state.entry(step.source, unpacked=True)
            return f"ADD {_json_path_list([name, step.written])}"
        case AddUrlOp():
            flags = _copy_flags(None if step.owner == DEFAULT_OWNER else step.owner, step.mode)
            return f"COPY{flags} {_json_path_list([state.entry(step.source), step.written])}"
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


def _render_run(plan: BuildPlan, step: RunOp, state: _State) -> str:
    mounts = [_cache_mount(m) for m in step.cache]
    mounts += [_mount(plan, m, state) for m in step.mounts]
    mounts += [
        f"--mount=type=secret,id={use.secret.id},target={use.mount_path}" for use in step.secrets
    ]
    if not step.network:
        mounts.append("--network=none")
    return " ".join(["RUN", *mounts, _json(step.argv)])


def _cache_mount(mount: CacheMount) -> str:
    """Options equal to the frontend's defaults are left out (``sharing=shared``,
    ``mode=0755``, ``uid=0``, ``gid=0``); the id is always written (ours is not the
    frontend's default, the target)."""
    options = [f"type=cache,target={mount.target},id={mount.cache_id}"]
    if mount.sharing != "shared":
        options.append(f"sharing={mount.sharing}")
    if mount.mode != DEFAULT_CACHE_MODE:
        options.append(f"mode={mount.mode:04o}")
    options += [
        f"{name}={value}" for name, value in (("uid", mount.uid), ("gid", mount.gid)) if value
    ]
    return "--mount=" + ",".join(options)


def _mount(plan: BuildPlan, mount: ContextBind | StageBind | Tmpfs, state: _State) -> str:
    """A bind mount of a staged context entry or of another stage's path (read-only
    unless ``rw``, the frontend's default), or a tmpfs (``size`` in bytes)."""
    match mount:
        case ContextBind():
            source = f"source={state.entry(mount.source)},target={mount.target}"
        case StageBind():
            name = plan.stage(mount.stage).name
            source = f"source={mount.path},target={mount.target},from={name}"
        case Tmpfs():
            size = "" if mount.size is None else f",size={mount.size}"
            return f"--mount=type=tmpfs,target={mount.target}{size}"
        case _:
            assert_never(mount)
    return f"--mount=type=bind,{source}{',rw' if mount.rw else ''}"


def _render_copy(step: CopyOp, state: _State) -> str:
    # Docker's COPY from the context already writes root-owned files.
    flags = _copy_flags(None if step.owner == DEFAULT_OWNER else step.owner, step.mode)
    if step.is_dir:
        name = state.entry(step.source, None)
        return f"COPY{flags} {_json_path_list([name + '/', step.written])}"
    # Named as it keeps inside an existing directory: BuildKit puts it there, as Docker.
    path = state.entry(step.source, step.file_name)
    return f"COPY{flags} {_json_path_list([path, step.written])}"


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
