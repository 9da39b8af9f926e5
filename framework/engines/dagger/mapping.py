"""A ``BuildPlan`` as Dagger container chains. Lazy: nothing runs until a result is awaited.

Each stage becomes ``dag.container()`` calls. Where Dagger's defaults differ from the
Dockerfile's, the mapping pins the meaning the spec gives (DESIGN.md §3):

- exec: the plan's argv (``expand`` off, no entrypoint); per-step env and secret
  variables come from the ``/bin/sh`` prelude the plan writes, so values are literal
  and the image config is untouched;
- build-time variables (``RunOp.args``, ``EnvOp.args``): ``with_exec`` takes no
  environment, so each is set with ``with_env_variable`` just before its step and
  removed with ``without_env_variable`` right after: the image config never keeps one.
  A name the container's environment already has (the base image's ``ENV``) is
  overridden for the step, as BuildKit does, and set back to its value after it; the
  platform variables are filled from the platform built for (``platform``, else the
  engine's) and the engine's own;
- cache, secret, bind and tmpfs mounts are removed again after their step (Dagger
  keeps mounts on the container; a Dockerfile ``RUN --mount`` lasts one step). A bind
  of a directory is read-only unless ``rw``; Dagger cannot mount a single file
  read-only, so a bound file is writable there (its writes are discarded all the same).
  Context files are mounted owned by root, as Docker sends them. A cache's ``uid:gid``
  is its owner; a cache ``mode`` other than ``0o755`` is refused (Dagger sets none);
- paths and owners are the plan's (absolute; the owner is given unless the plan keeps
  the source's owners, which Dagger does when none is given);
- a file copied to a destination that may be an existing directory (the plan's
  ``inside``) lands inside it when it is one, as Docker's ``COPY`` does: Dagger's
  ``with_file`` would replace it, so the mapping asks first (``is_directory``);
- a ``no_cache`` run step gets ``FRAMEWORK_NO_CACHE`` set to a value new with each
  mapping, for that exec only: the exec differs from the cached one, so it and every
  later step run again;
- workdir: missing directories are created, owned by the plan's owner, as BuildKit does;
- volume, stopsignal and shell are refused (:class:`Unsupported`): Dagger's API cannot
  write ``Volumes``, ``StopSignal`` or ``Shell`` into the image config;
- add of a URL writes the verified download (staged like a context file) with the
  plan's owner and mode; add of an archive is refused (:class:`Unsupported`): Dagger's
  API has no unpack, and unpacking on the host cannot give the archive's owners to a
  directory Dagger uploads.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import assert_never

import dagger

from framework.plan import (
    AddArchiveOp,
    AddUrlOp,
    ArgOp,
    BuildArgs,
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
from framework.plan.binds import ContextBind, StageBind
from framework.plan.platform_args import fill_platform_args
from framework.render import NO_CACHE_ARG
from framework.spec import Inline, Secret, Tmpfs
from framework.spec.mounts import DEFAULT_CACHE_MODE
from framework.spec.platforms import BUILD_PLATFORM
from framework.spec.sources import ContextPath
from framework.spec.steps import DEFAULT_OWNER, go_duration
from framework.spec.urls import Url

__all__ = ["AfterStep", "DaggerMapping", "Unsupported"]

_SHARING = {
    "shared": dagger.CacheSharingMode.SHARED,
    "private": dagger.CacheSharingMode.PRIVATE,
    "locked": dagger.CacheSharingMode.LOCKED,
}
_PROTOCOL = {"tcp": dagger.NetworkProtocol.TCP, "udp": dagger.NetworkProtocol.UDP}

IsDirectory = Callable[[dagger.Container, str], Awaitable[bool]]
Variable = Callable[[dagger.Container, str], Awaitable[str | None]]
BuildPlatform = Callable[[], Awaitable[str]]
AfterStep = Callable[[Stage, int, dagger.Container], Awaitable[None]]


class Unsupported(Exception):
    """A step the Dagger engine cannot honour with its meaning intact."""


class DaggerMapping:
    """Maps plans to containers on ``client``.

    ``staged`` returns a host path holding what a copy source sends: an inline
    source's bytes, a verified download, a context file, or a directory of a context
    directory's selected files (staged by :mod:`framework.engines.staging`, as for the
    docker engine); ``is_directory`` answers whether a path in a stage is a directory (a copy out of
    another image needs to know; the engine asks Dagger); ``platform`` (e.g.
    ``linux/arm64``) is the target: every stage runs on it unless it names its own
    (``Stage.platform``; the build platform is the Dagger engine's own). ``variable``
    gives the value a container's environment has for a name (``None``: unset), and
    ``build_platform`` the engine's platform (both ask Dagger unless given).
    ``after_step`` is awaited with the stage, the step's index and the container after
    each step that changes the filesystem (the engine evaluates it there, to show and
    report steps one by one). ``nonce`` is what ``no_cache`` run steps see (default: new
    for each mapping).
    """

    def __init__(
        self,
        client: dagger.Client,
        *,
        staged: Callable[[ContextPath | Inline | Url], str],
        is_directory: IsDirectory,
        platform: str | None = None,
        after_step: AfterStep | None = None,
        variable: Variable | None = None,
        build_platform: BuildPlatform | None = None,
        nonce: str | None = None,
    ) -> None:
        self._dag = client
        self._nonce = nonce or uuid.uuid4().hex
        self._variable = variable or _variable
        self._build_platform = build_platform or self._default_platform
        self._platforms: tuple[str, str] | None = None
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
                variables = await self._args(c, step.args)
                ran = await self._run(_set(c, variables), step, built)
                return await self._unset(ran, variables, c)
            case ArgOp():
                return c  # its meaning is in the RunOp.args and EnvOp.args after it
            case CopyOp():
                return await self._copy(c, step)
            case StageCopyOp():
                return await self._stage_copy(c, step, built)
            case AddArchiveOp():
                raise Unsupported(
                    "add of an archive: Dagger's API has no unpack that keeps the archive's "
                    "owners, modes and links as Docker's ADD does (use engine='docker')"
                )
            case AddUrlOp():
                file = self._dag.host().file(self._staged(step.source))
                return c.with_file(step.dest, file, owner=step.owner, permissions=step.mode)
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
                variables = await self._args(c, step.args)
                set_here = {name for name, _ in step.values}
                before = c
                c = _set(c, variables)
                for name, value in step.values:
                    c = c.with_env_variable(name, value, expand=step.expand)
                left = [(n, v) for n, v in variables if n not in set_here]
                return await self._unset(c, left, before)
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

    async def _mount(
        self,
        c: dagger.Container,
        mount: ContextBind | StageBind | Tmpfs,
        built: dict[str, dagger.Container],
    ) -> dagger.Container:
        match mount:
            case Tmpfs():
                return c.with_mounted_temp(mount.target, size=mount.size)
            case ContextBind():
                host = self._dag.host()
                staged = self._staged(mount.source)
                if mount.source.is_dir:
                    directory = host.directory(staged)
                    return c.with_mounted_directory(
                        mount.target, directory, owner=DEFAULT_OWNER, read_only=not mount.rw
                    )
                return c.with_mounted_file(mount.target, host.file(staged), owner=DEFAULT_OWNER)
            case StageBind():
                source = built[mount.stage]
                if await self._is_directory(source, mount.path):
                    directory = source.directory(mount.path)
                    return c.with_mounted_directory(mount.target, directory, read_only=not mount.rw)
                return c.with_mounted_file(mount.target, source.file(mount.path))
            case _:
                assert_never(mount)

    async def _run(
        self, c: dagger.Container, step: RunOp, built: dict[str, dagger.Container]
    ) -> dagger.Container:
        if not step.network:
            raise Unsupported("network=False: Dagger has no per-step network switch")
        mounted: list[str] = []
        for cache in step.cache:
            if cache.mode != DEFAULT_CACHE_MODE:
                raise Unsupported(
                    f"cache mount mode {cache.mode:04o}: Dagger cannot set a cache's mode"
                )
            volume = self._dag.cache_volume(cache.cache_id)
            sharing = _SHARING[cache.sharing]
            if cache.uid or cache.gid:
                owner = f"{cache.uid}:{cache.gid}"
                c = c.with_mounted_cache(cache.target, volume, sharing=sharing, owner=owner)
            else:
                c = c.with_mounted_cache(cache.target, volume, sharing=sharing)
            mounted.append(cache.target)
        for mount in step.mounts:
            c = await self._mount(c, mount, built)
            mounted.append(mount.target)
        for use in step.secrets:
            c = c.with_mounted_secret(use.mount_path, self._secret(use.secret))
            mounted.append(use.mount_path)
        if step.no_cache:
            c = c.with_env_variable(NO_CACHE_ARG, self._nonce)
        c = c.with_exec(list(step.argv))
        if step.no_cache:
            c = c.without_env_variable(NO_CACHE_ARG)
        for path in mounted:
            c = c.without_mount(path)
        return c

    async def _args(self, c: dagger.Container, args: BuildArgs) -> list[tuple[str, str]]:
        """The build-time variables to set around a step, platform ones filled."""
        if not args:
            return []
        if any(value is None for _, value in args):
            if self._platforms is None:
                build = await self._build_platform()
                target = build if self._platform is None else str(self._platform)
                self._platforms = (target, build)
            filled = fill_platform_args(args, *self._platforms)
        else:
            filled = tuple((name, value) for name, value in args if value is not None)
        return list(filled)

    async def _unset(
        self, c: dagger.Container, variables: list[tuple[str, str]], before: dagger.Container
    ) -> dagger.Container:
        """``c`` with ``variables`` removed, or set back to the value ``before`` had."""
        for name, _ in variables:
            previous = await self._variable(before, name)
            if previous is None:
                c = c.without_env_variable(name)
            else:
                c = c.with_env_variable(name, previous, expand=False)
        return c

    async def _default_platform(self) -> str:
        return str(await self._dag.default_platform())

    def _secret(self, secret: Secret) -> dagger.Secret:
        # A provider URI: the value goes from the host to the engine, never through a query.
        uri = f"env://{secret.name}" if secret.source == "env" else f"file://{secret.name}"
        return self._dag.secret(uri)

    async def _copy(self, c: dagger.Container, step: CopyOp) -> dagger.Container:
        host = self._dag.host()
        if step.is_dir:
            directory = host.directory(self._staged(step.source))
            return c.with_directory(step.dest, directory, owner=step.owner, permissions=step.mode)
        file = host.file(self._staged(step.source))
        dest = await self._file_dest(c, step.dest, step.inside)
        return c.with_file(dest, file, owner=step.owner, permissions=step.mode)

    async def _file_dest(self, c: dagger.Container, dest: str, inside: str | None) -> str:
        """Where a file lands: ``inside`` when ``dest`` is an existing directory."""
        if inside is not None and await self._is_directory(c, dest):
            return inside
        return dest

    async def _stage_copy(
        self, c: dagger.Container, step: StageCopyOp, built: dict[str, dagger.Container]
    ) -> dagger.Container:
        source = built[step.stage]
        if await self._is_directory(source, step.path):
            directory = source.directory(step.path)
            # "" is the SDK's default: no owner given, so Dagger keeps the source's.
            owner = step.owner or ""
            return c.with_directory(step.dest, directory, owner=owner, permissions=step.mode)
        file = source.file(step.path)
        dest = await self._file_dest(c, step.file_dest, step.inside)
        return c.with_file(dest, file, owner=step.owner or "", permissions=step.mode)


async def _variable(container: dagger.Container, name: str) -> str | None:
    return await container.env_variable(name)


def _set(c: dagger.Container, variables: list[tuple[str, str]]) -> dagger.Container:
    for name, value in variables:
        c = c.with_env_variable(name, value, expand=False)
    return c


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
