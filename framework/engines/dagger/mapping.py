"""A ``BuildPlan`` as Dagger container chains. Lazy: nothing runs until a result is awaited.

Each stage becomes ``dag.container()`` calls. Where Dagger's defaults differ from the
Dockerfile's, the mapping pins the meaning the spec gives (DESIGN.md §3):

- exec: the plan's argv (``expand`` off, no entrypoint); per-step env and secret
  variables come from the ``/bin/sh`` prelude the plan writes, so values are literal
  and the image config is untouched;
- cache and secret mounts are removed again after their step (Dagger keeps mounts on
  the container; a Dockerfile ``RUN --mount`` lasts one step);
- paths and owners are the plan's (absolute, owner always given: Dagger would keep the
  source's owner);
- workdir: missing directories are created, owned by the plan's owner, as BuildKit does;
- volume, stopsignal and shell are refused (:class:`Unsupported`): Dagger's API cannot
  write ``Volumes``, ``StopSignal`` or ``Shell`` into the image config.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import assert_never

import dagger

from framework.plan import (
    BuildPlan,
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
    Stage,
    StageCopyOp,
    StopSignalOp,
    UserOp,
    VolumeOp,
    WorkdirOp,
    changes_filesystem,
)
from framework.spec import BUILD_PLATFORM, Inline, Secret
from framework.spec.sources import ContextPath
from framework.spec.steps import go_duration

__all__ = ["AfterStep", "DaggerMapping", "Unsupported"]

_SHARING = {
    "shared": dagger.CacheSharingMode.SHARED,
    "private": dagger.CacheSharingMode.PRIVATE,
    "locked": dagger.CacheSharingMode.LOCKED,
}
_PROTOCOL = {"tcp": dagger.NetworkProtocol.TCP, "udp": dagger.NetworkProtocol.UDP}

IsDirectory = Callable[[dagger.Container, str], Awaitable[bool]]
AfterStep = Callable[[Stage, int, dagger.Container], Awaitable[None]]


class Unsupported(Exception):
    """A step the Dagger engine cannot honour with its meaning intact."""


class DaggerMapping:
    """Maps plans to containers on ``client``.

    ``staged`` returns a host path holding what a copy source sends: an inline
    source's bytes, a context file, or a directory of a context directory's selected
    files (staged by :mod:`framework.engines.staging`, as for the docker engine);
    ``is_directory`` answers whether a path in a stage is a directory (a copy out of
    another image needs to know; the engine asks Dagger); ``platform`` (e.g.
    ``linux/arm64``) is the target: every stage runs on it unless it names its own
    (``Stage.platform``; the build platform is the Dagger engine's own).
    ``after_step`` is awaited with the stage, the step's index and the container after
    each step that changes the filesystem (the engine evaluates it there, to show and
    report steps one by one).
    """

    def __init__(
        self,
        client: dagger.Client,
        *,
        staged: Callable[[ContextPath | Inline], str],
        is_directory: IsDirectory,
        platform: str | None = None,
        after_step: AfterStep | None = None,
    ) -> None:
        self._dag = client
        self._after_step = after_step
        self._platform = None if platform is None else dagger.Platform(platform)
        self._staged = staged
        self._is_directory = is_directory

    async def containers(self, plan: BuildPlan) -> dict[str, dagger.Container]:
        """Every stage's container, by stage id."""
        built: dict[str, dagger.Container] = {}
        for stage in plan.stages:
            built[stage.id] = await self._stage(stage, built)
        return built

    async def _stage(self, stage: Stage, built: dict[str, dagger.Container]) -> dagger.Container:
        if stage.base_stage is not None:
            container = built[stage.base_stage]
        elif stage.base is not None:
            container = self._dag.container(platform=self._platform_of(stage)).from_(stage.base)
        else:
            container = self._dag.container(platform=self._platform_of(stage))
        for number, step in enumerate(stage.steps):
            container = await self._step(container, step, built)
            if self._after_step is not None and changes_filesystem(step):
                await self._after_step(stage, number, container)
        return container

    def _platform_of(self, stage: Stage) -> dagger.Platform | None:
        """The stage's own platform, else the build's target; the build platform is
        Dagger's default (``None``: the engine's own platform)."""
        if stage.platform is None:
            return self._platform
        if stage.platform == BUILD_PLATFORM:
            return None
        return dagger.Platform(stage.platform)

    async def _step(
        self, c: dagger.Container, step: PlanStep, built: dict[str, dagger.Container]
    ) -> dagger.Container:
        match step:
            case RunOp():
                return self._run(c, step)
            case CopyOp():
                return self._copy(c, step)
            case StageCopyOp():
                return await self._stage_copy(c, step, built)
            case WorkdirOp():
                created = c.with_directory(step.path, self._dag.directory(), owner=step.owner)
                return created.with_workdir(step.path)
            case UserOp():
                return c.with_user(step.user)
            case EntrypointOp():
                return c.with_entrypoint(list(step.argv), keep_default_args=step.keep_cmd)
            case CmdOp():
                return c.with_default_args(list(step.argv))
            case EnvOp():
                for name, value in step.values:
                    c = c.with_env_variable(name, value, expand=step.expand)
                return c
            case LabelOp():
                for key, value in step.values:
                    c = c.with_label(key, value)
                return c
            case ExposeOp():
                return c.with_exposed_port(step.port, protocol=_PROTOCOL[step.protocol])
            case HealthcheckOp():
                return _healthcheck(c, step)
            case VolumeOp():
                raise Unsupported("volume: Dagger cannot record volumes in the image config")
            case StopSignalOp():
                raise Unsupported("stopsignal: Dagger cannot set the image config's StopSignal")
            case ShellOp():
                raise Unsupported("shell: Dagger cannot record the shell in the image config")
            case _:
                assert_never(step)

    def _run(self, c: dagger.Container, step: RunOp) -> dagger.Container:
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
        c = c.with_exec(list(step.argv))
        for path in mounted:
            c = c.without_mount(path)
        return c

    def _secret(self, secret: Secret) -> dagger.Secret:
        # A provider URI: the value goes from the host to the engine, never through a query.
        uri = f"env://{secret.name}" if secret.source == "env" else f"file://{secret.name}"
        return self._dag.secret(uri)

    def _copy(self, c: dagger.Container, step: CopyOp) -> dagger.Container:
        host = self._dag.host()
        if step.is_dir:
            directory = host.directory(self._staged(step.source))
            return c.with_directory(step.dest, directory, owner=step.owner, permissions=step.mode)
        file = host.file(self._staged(step.source))
        return c.with_file(step.dest, file, owner=step.owner, permissions=step.mode)

    async def _stage_copy(
        self, c: dagger.Container, step: StageCopyOp, built: dict[str, dagger.Container]
    ) -> dagger.Container:
        source = built[step.stage]
        if await self._is_directory(source, step.path):
            directory = source.directory(step.path)
            return c.with_directory(step.dest, directory, owner=step.owner, permissions=step.mode)
        file = source.file(step.path)
        return c.with_file(step.file_dest, file, owner=step.owner, permissions=step.mode)


def _healthcheck(c: dagger.Container, step: HealthcheckOp) -> dagger.Container:
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


def _duration(seconds: float | None) -> str | None:
    """A Go duration, or ``None`` to leave the option unset (the runtime's default)."""
    return None if seconds is None else go_duration(seconds)
