"""A ``BuildPlan`` as Dagger container chains. Lazy: nothing runs until a result is awaited.

Each stage becomes ``dag.container()`` calls. Where Dagger's defaults differ from the
Dockerfile's, the mapping pins the meaning the spec gives (DESIGN.md §3):

- exec: argv as given (``expand`` off, no entrypoint); per-step env and secret
  variables come from the same ``/bin/sh`` prelude the docker engine uses, so values
  are literal and the image config is untouched;
- cache and secret mounts are removed again after their step (Dagger keeps mounts on
  the container; a Dockerfile ``RUN --mount`` lasts one step);
- paths: relative destinations are resolved against the workdir here (Dagger would
  use its own rules); a directory copies its contents, a file lands at ``dest`` or
  inside it when ``dest`` ends with ``/``;
- owner: ``0:0`` unless the step names one (Dagger keeps the source's owner);
- workdir: missing directories are created, owned by the current user, as BuildKit does.
"""

from __future__ import annotations

import posixpath
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import dagger

from framework.plan import BuildPlan, PlanStep, Stage, StageCopy
from framework.render import run_argv
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
    Secret,
    User,
    Workdir,
)
from framework.spec.sources import ContextPath
from framework.spec.steps import DEFAULT_OWNER, go_duration, resolve_path

__all__ = ["DaggerMapping", "Unsupported"]

_SHARING = {
    "shared": dagger.CacheSharingMode.SHARED,
    "private": dagger.CacheSharingMode.PRIVATE,
    "locked": dagger.CacheSharingMode.LOCKED,
}
_PROTOCOL = {"tcp": dagger.NetworkProtocol.TCP, "udp": dagger.NetworkProtocol.UDP}

IsDirectory = Callable[[dagger.Container, str], Awaitable[bool]]


@dataclass
class _State:
    """What later steps of a stage depend on: the workdir, the user, whether CMD was set."""

    workdir: str | None = None
    user: str | None = None
    cmd_in_stage: bool = False


class Unsupported(Exception):
    """A step the Dagger engine cannot honour with its meaning intact."""


class DaggerMapping:
    """Maps plans to containers on ``client``.

    ``staged`` returns a host path holding what a copy source sends: an inline
    source's bytes, a context file, or a directory of a context directory's selected
    files (staged by :mod:`framework.engines.staging`, as for the docker engine);
    ``is_directory`` answers whether a path in a stage is a directory (a copy out of
    another image needs to know; the engine asks Dagger); ``platform`` (e.g.
    ``linux/arm64``) applies to every stage.
    """

    def __init__(
        self,
        client: dagger.Client,
        *,
        staged: Callable[[ContextPath | Inline], str],
        is_directory: IsDirectory,
        platform: str | None = None,
    ) -> None:
        self._dag = client
        self._platform = None if platform is None else dagger.Platform(platform)
        self._staged = staged
        self._is_directory = is_directory

    async def containers(self, plan: BuildPlan) -> dict[str, dagger.Container]:
        """Every stage's container, by stage digest."""
        built: dict[str, dagger.Container] = {}
        states: dict[str, _State] = {}
        for stage in plan.stages:
            built[stage.digest], states[stage.digest] = await self._stage(stage, built, states)
        return built

    async def _stage(
        self, stage: Stage, built: dict[str, dagger.Container], states: dict[str, _State]
    ) -> tuple[dagger.Container, _State]:
        if stage.base_stage is not None:
            container = built[stage.base_stage]
            inherited = states[stage.base_stage]
            state = _State(workdir=inherited.workdir, user=inherited.user)
        elif stage.base is not None:
            container = self._dag.container(platform=self._platform).from_(stage.base)
            state = _State()
        else:
            container = self._dag.container(platform=self._platform)
            state = _State()
        for step in stage.steps:
            container = await self._step(container, step, built, state)
        return container, state

    async def _step(
        self, c: dagger.Container, step: PlanStep, built: dict[str, dagger.Container], state: _State
    ) -> dagger.Container:
        if isinstance(step, Run):
            return self._run(c, step)
        if isinstance(step, Copy):
            return self._copy(c, step, state.workdir)
        if isinstance(step, StageCopy):
            return await self._stage_copy(c, step, built, state.workdir)
        if isinstance(step, Workdir):
            state.workdir = _resolve(step.path, state.workdir)
            created = c.with_directory(
                state.workdir, self._dag.directory(), owner=state.user or DEFAULT_OWNER
            )
            return created.with_workdir(state.workdir)
        if isinstance(step, User):
            state.user = step.user
            return c.with_user(step.user)
        if isinstance(step, Cmd):
            state.cmd_in_stage = True
        if isinstance(step, Entrypoint):
            # As a Dockerfile ENTRYPOINT: default args inherited from the base are dropped;
            # a CMD set earlier in this stage is kept.
            return c.with_entrypoint(list(step.argv), keep_default_args=state.cmd_in_stage)
        return _config(c, step)

    def _run(self, c: dagger.Container, step: Run) -> dagger.Container:
        if not step.network:
            raise Unsupported("network=False: Dagger has no per-step network switch")
        mounted: list[str] = []
        for cache in step.cache:
            c = c.with_mounted_cache(
                cache.target,
                self._dag.cache_volume(cache.cache_id),
                sharing=_SHARING[cache.sharing],
            )
            mounted.append(cache.target)
        for use in step.secrets:
            c = c.with_mounted_secret(use.mount_path, self._secret(use.secret))
            mounted.append(use.mount_path)
        c = c.with_exec(list(run_argv(step)))
        for path in mounted:
            c = c.without_mount(path)
        return c

    def _secret(self, secret: Secret) -> dagger.Secret:
        # A provider URI: the value goes from the host to the engine, never through a query.
        uri = f"env://{secret.name}" if secret.source == "env" else f"file://{secret.name}"
        return self._dag.secret(uri)

    def _copy(self, c: dagger.Container, step: Copy, workdir: str | None) -> dagger.Container:
        dest = _resolve(step.dest, workdir)
        owner = step.owner or DEFAULT_OWNER
        source = step.source
        assert isinstance(source, ContextPath | Inline)  # stage copies are StageCopy steps
        host = self._dag.host()
        if isinstance(source, ContextPath) and source.is_dir:
            directory = host.directory(self._staged(source))
            return c.with_directory(dest, directory, owner=owner, permissions=step.mode)
        if step.into_directory and isinstance(source, ContextPath):
            dest = posixpath.join(dest, posixpath.basename(source.path))
        file = host.file(self._staged(source))
        return c.with_file(dest, file, owner=owner, permissions=step.mode)

    async def _stage_copy(
        self,
        c: dagger.Container,
        step: StageCopy,
        built: dict[str, dagger.Container],
        workdir: str | None,
    ) -> dagger.Container:
        source = built[step.stage]
        dest = _resolve(step.dest, workdir)
        owner = step.owner or DEFAULT_OWNER
        if await self._is_directory(source, step.path):
            directory = source.directory(step.path)
            return c.with_directory(dest, directory, owner=owner, permissions=step.mode)
        if step.into_directory:
            dest = posixpath.join(dest, posixpath.basename(step.path))
        return c.with_file(dest, source.file(step.path), owner=owner, permissions=step.mode)


def _config(c: dagger.Container, step: PlanStep) -> dagger.Container:
    if isinstance(step, Env):
        for name, value in step.values:
            c = c.with_env_variable(name, value, expand=False)
        return c
    if isinstance(step, Label):
        for key, value in step.values:
            c = c.with_label(key, value)
        return c
    if isinstance(step, Expose):
        return c.with_exposed_port(step.port, protocol=_PROTOCOL[step.protocol])
    if isinstance(step, Cmd):
        return c.with_default_args(list(step.argv))
    if isinstance(step, Healthcheck):
        if step.argv is None and step.script is None:
            return c.without_docker_healthcheck()
        return c.with_docker_healthcheck(
            list(step.argv) if step.argv is not None else [str(step.script)],
            shell=True if step.script is not None else None,
            interval=_duration(step.interval),
            timeout=_duration(step.timeout),
            start_period=_duration(step.start_period),
            retries=step.retries,
        )
    raise AssertionError(f"unknown step {step!r}")


def _duration(seconds: float | None) -> str | None:
    """A Go duration, or ``None`` to leave the option unset (the runtime's default)."""
    return None if seconds is None else go_duration(seconds)


def _resolve(path: str, workdir: str | None) -> str:
    """An absolute path; a trailing ``/`` is kept (it means "into this directory")."""
    absolute = resolve_path(path, workdir)
    return absolute + "/" if path.endswith("/") and absolute != "/" else absolute
