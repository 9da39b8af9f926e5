"""Render a ``BuildPlan`` as a Dockerfile plus the build context it needs. Pure.

The same plan always renders to the same bytes. Every user value is escaped so that
the built image holds exactly the value in the spec:

- run, entrypoint, cmd and healthcheck commands are JSON (exec form); a string command
  is ``["/bin/sh", "-c", string]``, so ``SHELL`` and Dockerfile quoting never apply,
  except a shell-form healthcheck, written verbatim as Docker's ``CMD-SHELL`` form (the
  spec keeps it to one line that no Dockerfile reads otherwise);
- env and label values are double-quoted with ``\\``, ``"`` and ``$`` escaped; a value
  with a line break, which no Dockerfile line can hold, is passed as a build argument;
- copied files never appear by name: the engine places each copy source in the build
  context as ``c-<hash>`` (a file, or a directory of the files to copy), and only those
  files are sent.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shlex

from pydantic import Field

from framework.plan import FILESYSTEM_STEPS, BuildPlan, PlanStep, Stage, StageCopy
from framework.spec import (
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Inline,
    Label,
    Run,
    User,
    Workdir,
)
from framework.spec._base import Model
from framework.spec.sources import ContextPath
from framework.spec.steps import DEFAULT_OWNER, go_duration

__all__ = ["ContextEntry", "RenderedBuild", "StepVertex", "render"]

VALUE_ARG_PREFIX = "FRAMEWORK_VALUE_"
_COPY_SPECIAL = re.compile(r"[\\$'\"]")


class ContextEntry(Model):
    """A top-level entry ``name`` of the build context and what the engine puts there.

    A directory source becomes a directory holding its files (filtered by the
    context's patterns); a file or inline source becomes a file.
    """

    name: str
    source: ContextPath | Inline = Field(discriminator="kind")


class StepVertex(Model):
    """Which step BuildKit's vertex ``[stage i/N]`` stands for (``step`` None: FROM)."""

    stage: str
    index: int
    step: int | None


class RenderedBuild(Model):
    """A Dockerfile, the build arguments its values need, and its context's contents."""

    dockerfile: str
    build_args: tuple[tuple[str, str], ...] = ()
    context: tuple[ContextEntry, ...] = ()
    vertices: tuple[StepVertex, ...] = ()


def render(plan: BuildPlan) -> RenderedBuild:
    """Render ``plan``; its last stage is the build target."""
    state = _State()
    blocks = [_render_stage(plan, stage, state) for stage in plan.stages]
    return RenderedBuild(
        dockerfile="\n".join(blocks),
        build_args=tuple(state.build_args),
        context=tuple(state.entries.values()),
        vertices=tuple(state.vertices),
    )


class _State:
    def __init__(self) -> None:
        self.build_args: list[tuple[str, str]] = []
        self.entries: dict[str, ContextEntry] = {}
        self.vertices: list[StepVertex] = []

    def value(self, text: str) -> str:
        """A Dockerfile word that evaluates to ``text`` exactly."""
        if "\n" in text or "\r" in text:
            name = f"{VALUE_ARG_PREFIX}{len(self.build_args)}"
            self.build_args.append((name, text))
            return "${" + name + "}"
        return _quote(text)

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
    lines = [f"FROM {base} AS {stage.name}"]
    # BuildKit shows FROM, RUN, COPY and WORKDIR as vertices "[stage i/N]".
    vertex_steps: list[int | None] = [None]
    for number, step in enumerate(stage.steps):
        before = len(state.build_args)
        line = _render_step(plan, step, state)
        lines.extend(f"ARG {name}" for name, _ in state.build_args[before:])
        lines.append(line)
        if step.kind in FILESYSTEM_STEPS:
            vertex_steps.append(number)
    state.vertices.extend(
        StepVertex(stage=stage.name, index=i, step=s) for i, s in enumerate(vertex_steps, 1)
    )
    return "\n".join(lines) + "\n"


def _render_step(plan: BuildPlan, step: PlanStep, state: _State) -> str:
    if isinstance(step, Run):
        return _render_run(step)
    if isinstance(step, Copy):
        return _render_copy(step, state)
    if isinstance(step, StageCopy):
        # Docker keeps the source's owner on COPY --from; the spec says root.
        flags = _copy_flags(step.owner or DEFAULT_OWNER, step.mode)
        source = plan.stage(step.stage).name
        return f"COPY --from={source}{flags} {_json_path_list([step.path, step.dest])}"
    if isinstance(step, Env):
        return "ENV " + " ".join(f"{k}={state.value(v)}" for k, v in step.values)
    if isinstance(step, Label):
        return "LABEL " + " ".join(f"{_quote(k)}={state.value(v)}" for k, v in step.values)
    if isinstance(step, Workdir):
        return f"WORKDIR {_quote(step.path)}"
    if isinstance(step, User):
        return f"USER {step.user}"
    if isinstance(step, Expose):
        return f"EXPOSE {step.port}/{step.protocol}"
    if isinstance(step, Entrypoint):
        return f"ENTRYPOINT {_json(step.argv)}"
    if isinstance(step, Cmd):
        return f"CMD {_json(step.argv)}"
    if isinstance(step, Healthcheck):
        return _render_healthcheck(step)
    raise AssertionError(f"unknown step {step!r}")


def _render_healthcheck(step: Healthcheck) -> str:
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


def run_argv(step: Run) -> tuple[str, ...]:
    """The argv a run step executes, with its per-step env and secret variables set.

    Shared by every engine that cannot set per-step environment natively.
    """
    prelude = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in step.env)
    prelude += "".join(
        f'{use.env}="$(cat {use.mount_path})"; export {use.env}\n'
        for use in step.secrets
        if use.env is not None
    )
    if step.script is not None:
        return ("/bin/sh", "-c", prelude + step.script)
    assert step.argv is not None
    if not prelude:
        return step.argv
    return ("/bin/sh", "-c", prelude + 'exec "$@"', "sh", *step.argv)


def _render_run(step: Run) -> str:
    mounts = [
        f"--mount=type=cache,target={m.target},id={m.cache_id},sharing={m.sharing}"
        for m in step.cache
    ]
    mounts += [
        f"--mount=type=secret,id={use.secret.id},target={use.mount_path}" for use in step.secrets
    ]
    if not step.network:
        mounts.append("--network=none")
    return " ".join(["RUN", *mounts, _json(run_argv(step))])


def _render_copy(step: Copy, state: _State) -> str:
    source = step.source
    assert isinstance(source, ContextPath | Inline)
    name = state.entry(source)
    flags = _copy_flags(step.owner, step.mode)
    if isinstance(source, ContextPath) and source.is_dir:
        dest = step.dest if step.dest.endswith("/") else step.dest + "/"
        return f"COPY{flags} {_json_path_list([name + '/', dest])}"
    dest = step.dest
    if step.into_directory:
        assert isinstance(source, ContextPath), "inline copies name their file in dest"
        dest = posixpath.join(dest, posixpath.basename(source.path))
    return f"COPY{flags} {_json_path_list([name, dest])}"


def _copy_flags(owner: str | None, mode: int | None) -> str:
    flags = f" --chown={owner}" if owner else ""
    return flags + (f" --chmod={mode:04o}" if mode is not None else "")


def _json(argv: tuple[str, ...] | list[str]) -> str:
    return json.dumps(list(argv), ensure_ascii=True)


def _json_path_list(paths: list[str]) -> str:
    # COPY runs the words of its JSON form through the shell-word lexer too.
    return _json([_COPY_SPECIAL.sub(r"\\\g<0>", p) for p in paths])


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'
