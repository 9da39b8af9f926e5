"""The plan's operations: each step of a stage, lowered by ``compile()`` to what it means.

Every question of meaning is answered here once, so engines only translate:

- paths are absolute (resolved against the workdir the description sets); ``written``
  keeps the spelling the user gave, for people and for an ejected Dockerfile, which
  resolves it against the same workdir;
- owners are decided (root, ``0:0``, unless the step names one, or ``None``: a copy out of
  another stage that keeps the source's owners);
- "copy into a directory" is decided where the description knows it (a ``/`` at the end
  of the destination, or a directory a workdir or a copy made since the last run step):
  ``CopyOp.dest`` is where the file or directory lands, ``StageCopyOp.file_dest`` where a
  file source lands. Otherwise a file lands *inside* the destination when it is an
  existing directory (Docker's rule), which only the build can tell: ``inside`` is then
  where it lands in that case, and engines honour it (BuildKit's ``COPY`` does it itself,
  Dagger asks);
- other stages are named by stage id (:attr:`framework.plan.Stage.id`);
- a run step's ``argv`` is what it executes, its per-step environment included, and a
  string command is run by the shell in effect (``/bin/sh -c`` or a ``ShellOp``'s), as
  is a string cmd or entrypoint;
- an entrypoint says whether a ``CMD`` set earlier in its stage is kept.

Operations are plain frozen values. Every dispatch on them is a ``match`` that ends in
``typing.assert_never``, so mypy proves each covers every kind.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass
from typing import Literal, assert_never

from framework.plan.binds import ContextBind, StageBind
from framework.spec._base import Origin
from framework.spec.mounts import CacheMount, SecretUse, Tmpfs
from framework.spec.sources import ContextPath, Inline
from framework.spec.urls import Url

__all__ = [
    "AddArchiveOp",
    "AddUrlOp",
    "ArgOp",
    "BuildArgs",
    "CmdOp",
    "CopyOp",
    "EntrypointOp",
    "EnvOp",
    "ExposeOp",
    "HealthcheckOp",
    "LabelOp",
    "PlanStep",
    "RunOp",
    "ShellOp",
    "StageCopyOp",
    "StopSignalOp",
    "UserOp",
    "VolumeOp",
    "WorkdirOp",
    "changes_filesystem",
    "exec_argv",
    "sendable_name",
]


BuildArgs = tuple[tuple[str, str | None], ...]
"""Build-time variables: name and value, ``None`` for a platform variable that the engine
fills from the platform (see :mod:`framework.plan.platform_args`)."""


@dataclass(frozen=True)
class RunOp:
    """Run ``argv`` (exactly what executes: the per-step env and secret variables are set by
    a ``/bin/sh`` prelude); ``command`` is the command as a person reads it. ``args`` are
    the build-time variables the step's environment holds on top of the image's (declared
    earlier in its stage or in a stage it is built FROM, and not set by a later env step;
    they override the image's env, the base image's included); engines set them for this
    step only. ``mounts``
    are this step's bind and tmpfs mounts, in the order given."""

    argv: tuple[str, ...]
    command: str
    cache: tuple[CacheMount, ...] = ()
    secrets: tuple[SecretUse, ...] = ()
    mounts: tuple[ContextBind | StageBind | Tmpfs, ...] = ()
    network: bool = True
    args: BuildArgs = ()
    no_cache: bool = False
    """Run again on every build (and so every later step of the stage): engines give the
    step a value that changes with each build, which the plan holds no trace of."""
    origin: Origin | None = None


@dataclass(frozen=True)
class ArgOp:
    """Declare build-time variables (a Dockerfile ``ARG``). What they mean is already in
    the ops after it (:attr:`RunOp.args`, :attr:`EnvOp.args`): an engine that is not
    writing a Dockerfile has nothing to do here."""

    values: BuildArgs
    origin: Origin | None = None


@dataclass(frozen=True)
class CopyOp:
    """Copy a context path or inline content to the absolute path ``dest``.

    ``is_dir``: the source is a directory whose contents land in ``dest``; otherwise
    ``dest`` is the file's own path. ``written`` is ``dest`` in the user's spelling (the
    file name joined when a file is copied into a directory, a trailing ``/`` for a
    directory source); ``declared`` is the destination exactly as given, for people.
    ``mode`` ``None`` keeps the source's mode. ``inside``: for a file source whose
    destination may be a directory that exists when the step runs, where the file lands
    then (``dest/<name>``: the source's file name, or for inline content ``dest``'s own,
    as :func:`sendable_name` gives it); ``None`` when the plan decided.
    """

    source: ContextPath | Inline
    is_dir: bool
    dest: str
    written: str
    declared: str
    owner: str
    mode: int | None = None
    origin: Origin | None = None
    inside: str | None = None

    @property
    def file_name(self) -> str:
        """The name a file source is sent under, which an existing directory keeps."""
        return sendable_name(posixpath.basename(self.inside or self.dest))


_PATTERN_CHARACTERS = re.compile(r"[\\*?\[]")


def sendable_name(name: str) -> str:
    """``name`` as a build context can send it by name: BuildKit reads ``\\``, ``*``,
    ``?`` and ``[`` in a copy source as a pattern, so each becomes ``_``."""
    return _PATTERN_CHARACTERS.sub("_", name)


@dataclass(frozen=True)
class StageCopyOp:
    """Copy ``path`` out of the stage ``stage`` (its id). Whether ``path`` is a directory
    is known only when the stage is built: a directory's contents land in ``dest``, a
    file at ``file_dest``, or at ``inside`` when that is not ``None`` and ``file_dest`` is
    then an existing directory. ``written`` is the destination as the user spelled it.
    ``owner`` ``None`` keeps the source's owners (numeric), as ``COPY --from`` does."""

    stage: str
    path: str
    dest: str
    file_dest: str
    written: str
    owner: str | None
    mode: int | None = None
    origin: Origin | None = None
    inside: str | None = None


@dataclass(frozen=True)
class AddArchiveOp:
    """Unpack the tar archive ``source`` (a context file) into the absolute directory
    ``dest``, as Docker's ``ADD`` does: entries keep the archive's owners, modes, times and
    links; missing directories of ``dest`` are created, owned by root. ``written`` is
    ``dest`` in the user's spelling."""

    source: ContextPath
    dest: str
    written: str
    origin: Origin | None = None


@dataclass(frozen=True)
class AddUrlOp:
    """Write the file at ``source`` (fetched and verified by its sha256 before the build)
    at the absolute path ``dest``, owned by ``owner``, with mode ``mode`` and the time the
    download recorded (the server's ``Last-Modified``). ``written`` is ``dest`` in the
    user's spelling, the file name joined when it was given as a directory."""

    source: Url
    dest: str
    written: str
    owner: str
    mode: int
    origin: Origin | None = None


@dataclass(frozen=True)
class EnvOp:
    """Set variables in the image config. Values are literal unless ``expand``: then
    ``$NAME``/``${NAME}`` (the only ``$`` forms such a value holds) expand from the
    environment the image has at this step, its base image's included. The base's
    environment is known only when the build runs, so engines expand it there. ``args``
    are the build-time variables an expanded value refers to (they expand too, over the
    image's environment), which an engine sets around this step only."""

    values: tuple[tuple[str, str], ...]
    expand: bool = False
    args: BuildArgs = ()
    origin: Origin | None = None


@dataclass(frozen=True)
class WorkdirOp:
    """Make ``path`` (absolute) the workdir; missing directories are created, owned by
    ``owner`` (the user the description set before it, else root)."""

    path: str
    written: str
    owner: str
    origin: Origin | None = None


@dataclass(frozen=True)
class UserOp:
    user: str
    origin: Origin | None = None


@dataclass(frozen=True)
class LabelOp:
    values: tuple[tuple[str, str], ...]
    origin: Origin | None = None


@dataclass(frozen=True)
class ExposeOp:
    port: int
    protocol: Literal["tcp", "udp"]
    origin: Origin | None = None


@dataclass(frozen=True)
class EntrypointOp:
    """Set the entrypoint. As in a Dockerfile, default arguments inherited from the base
    are dropped; ``keep_cmd`` says a ``CMD`` set earlier in this stage stays."""

    argv: tuple[str, ...]
    keep_cmd: bool
    origin: Origin | None = None


@dataclass(frozen=True)
class CmdOp:
    argv: tuple[str, ...]
    origin: Origin | None = None


@dataclass(frozen=True)
class HealthcheckOp:
    """As :class:`framework.spec.Healthcheck`: neither ``argv`` nor ``script`` disables it."""

    argv: tuple[str, ...] | None
    script: str | None
    interval: float | None = None
    timeout: float | None = None
    start_period: float | None = None
    retries: int | None = None
    origin: Origin | None = None


@dataclass(frozen=True)
class VolumeOp:
    """Declare the absolute ``paths`` as volumes (config only); ``written`` as given."""

    paths: tuple[str, ...]
    written: tuple[str, ...]
    origin: Origin | None = None


@dataclass(frozen=True)
class StopSignalOp:
    """Set the config's stop signal (a signal name or number, as given)."""

    signal: str
    origin: Origin | None = None


@dataclass(frozen=True)
class ShellOp:
    """Record ``argv`` as the config's shell. The string commands after it are already
    lowered with it; what remains for an engine is the config (a shell-form healthcheck
    reads it when the container runs)."""

    argv: tuple[str, ...]
    origin: Origin | None = None


PlanStep = (
    RunOp
    | ArgOp
    | CopyOp
    | StageCopyOp
    | AddArchiveOp
    | AddUrlOp
    | EnvOp
    | WorkdirOp
    | UserOp
    | LabelOp
    | ExposeOp
    | EntrypointOp
    | CmdOp
    | HealthcheckOp
    | VolumeOp
    | StopSignalOp
    | ShellOp
)
"""One lowered step of a stage."""


def changes_filesystem(step: PlanStep) -> bool:
    """Whether ``step`` changes the filesystem (a BuildKit vertex) rather than the config."""
    match step:
        case RunOp() | CopyOp() | StageCopyOp() | WorkdirOp():
            return True
        case AddArchiveOp() | AddUrlOp():
            return True
        case EnvOp() | UserOp() | LabelOp() | ExposeOp() | EntrypointOp() | CmdOp():
            return False
        case ArgOp():
            return False
        case HealthcheckOp() | VolumeOp() | StopSignalOp() | ShellOp():
            return False
        case _:
            assert_never(step)


def exec_argv(
    argv: tuple[str, ...] | None,
    script: str | None,
    env: tuple[tuple[str, str], ...],
    secrets: tuple[SecretUse, ...],
) -> tuple[str, ...]:
    """The argv a run step executes: its per-step env (literal values) and secret
    variables are exported by a ``/bin/sh`` prelude, so every engine runs the same."""
    prelude = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in env)
    prelude += "".join(
        f'{use.env}="$(cat {use.mount_path})"; export {use.env}\n'
        for use in secrets
        if use.env is not None
    )
    if script is not None:
        return ("/bin/sh", "-c", prelude + script)
    assert argv is not None
    if not prelude:
        return argv
    return ("/bin/sh", "-c", prelude + 'exec "$@"', "sh", *argv)
