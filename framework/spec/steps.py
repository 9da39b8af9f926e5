"""The steps of an image, one model per kind. Each docstring states the step's meaning,
which every engine honours.

Steps are built by :class:`framework.Image` methods; users rarely name these classes.
"""

from __future__ import annotations

import posixpath
from dataclasses import field
from typing import TYPE_CHECKING, Literal

from framework.errors import SpecError
from framework.spec._base import (
    Model,
    Origin,
    check_env_name,
    check_path,
    check_text,
    check_user,
    origin_field,
)
from framework.spec.archives import archive_compression
from framework.spec.expansion import check_expandable
from framework.spec.mounts import Bind, CacheMount, SecretUse, Tmpfs
from framework.spec.sources import ContextPath, Inline
from framework.spec.urls import Url

if TYPE_CHECKING:
    # StagePath refers to Image; framework.spec.image completes Copy's types.
    from framework.spec.image import StagePath

__all__ = [
    "AUTOMATIC_ARGS",
    "DEFAULT_OWNER",
    "DOWNLOAD_MODE",
    "INLINE_MODE",
    "Add",
    "Arg",
    "Cmd",
    "Copy",
    "Entrypoint",
    "Env",
    "Expose",
    "Healthcheck",
    "Label",
    "Run",
    "Shell",
    "Step",
    "StopSignal",
    "User",
    "Volume",
    "Workdir",
    "go_duration",
    "names_directory",
    "resolve_path",
]


DEFAULT_OWNER = "0:0"
"""The owner of copied files when a copy names none: root, on every engine."""

INLINE_MODE = 0o644
"""The mode of a file made from inline content."""

DOWNLOAD_MODE = 0o600
"""The mode of a file added from a URL when the step names none (Docker's ``ADD``)."""


def names_directory(dest: str) -> bool:
    """Whether a copy destination names a directory (ends with ``/``, or is ``.``/``..``)."""
    return dest.endswith(("/", "/.")) or dest in {".", ".."}


def resolve_path(path: str, workdir: str | None) -> str:
    """``path`` made absolute against ``workdir`` (``/`` when unset), normalised."""
    return posixpath.normpath(posixpath.join(workdir or "/", path))


def go_duration(seconds: float) -> str:
    """Seconds as a Go duration string (``30s``, ``1.5s``), as Docker and Dagger take them."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"


class _Step(Model):
    origin: Origin | None = origin_field()


class Run(_Step):
    """Run a command in the image; what it writes becomes a layer.

    ``argv`` is exec form: run directly, no shell, no expansion. ``script`` runs as
    ``/bin/sh -c script``, or under the shell a :class:`Shell` step set. ``env`` adds
    variables for this step only (values literal; needs ``/bin/sh`` in the image).
    ``cache`` mounts persist between builds and never enter the image. ``secrets`` are
    mounted for this step only, and so are ``mounts``: :class:`Bind` (a context or stage
    path, read-only unless ``rw``) and :class:`Tmpfs`; nothing of theirs enters the
    image. No two mounts share a target. ``network=False`` runs without network access.
    ``no_cache`` runs the step again on every build, and with it every later step of its
    stage (and the stages built on it), on every engine; the build record never answers
    a build that has such a step.
    """

    kind: Literal["run"] = field(default="run", init=False)
    argv: tuple[str, ...] | None = None
    script: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    cache: tuple[CacheMount, ...] = ()
    secrets: tuple[SecretUse, ...] = ()
    mounts: tuple[Bind | Tmpfs, ...] = ()
    network: bool = True
    no_cache: bool = False

    def _check(self) -> None:
        if (self.argv is None) == (self.script is None):
            raise SpecError("a run step needs a command", fix="pass a list (exec form) or a string")
        if self.argv is not None:
            if not self.argv:
                raise SpecError("run got an empty argv list", fix="give at least the program")
            for arg in self.argv:
                check_text(arg, "run argument")
        if self.script is not None:
            if not self.script.strip():
                raise SpecError("run got an empty command", fix="give the shell command to run")
            check_text(self.script, "run command")
        for name, value in self.env:
            check_env_name(name)
            check_text(value, f"value of {name}")
        targets = [
            posixpath.normpath(path)
            for path in (
                *(m.target for m in self.cache),
                *(s.mount_path for s in self.secrets),
                *(m.target for m in self.mounts),
            )
        ]
        duplicated = sorted({t for t in targets if targets.count(t) > 1})
        if duplicated:
            raise SpecError(
                f"two mounts of this run step share the path {duplicated[0]!r}",
                fix="give each cache, bind and tmpfs mount and secret file its own path",
            )

    def command(self) -> str:
        """The command as a person reads it."""
        if self.argv is not None:
            return " ".join(self.argv)
        assert self.script is not None
        return self.script


class Copy(_Step):
    """Copy files into the image.

    A directory source copies its *contents* into ``dest`` (created if missing). A file
    source is written at ``dest``, or inside it, under its own name, when ``dest`` ends
    with ``/``, is ``.``, or is a directory that already exists in the image when the
    step runs (made by the base image, a run step, a workdir or a copy), as Docker's
    ``COPY`` does. Inline content has no name of its own: it is named like ``dest``, so
    onto an existing directory ``/etc/app`` it lands at ``/etc/app/app`` (a directory the
    description itself made there is refused when the image is compiled). A relative
    ``dest`` resolves against the current workdir.

    ``owner`` (``user`` or ``user:group``; without a group, the group id equals the
    user's) defaults to root (``0:0``), also for a copy out of another image: one rule for
    every source, so what a copy makes never depends on how the other stage's files came
    to be owned. ``keep_owner=True`` (only for a copy out of another image, and not with
    ``owner``) keeps the source's numeric owners instead, as Docker's ``COPY --from``
    without ``--chown`` does. ``mode`` (e.g. ``0o644``) defaults to the source's mode
    (``0o644`` for inline content), and applies to every copied file and directory when
    given.
    """

    kind: Literal["copy"] = field(default="copy", init=False)
    source: ContextPath | Inline | StagePath
    dest: str
    owner: str | None = None
    mode: int | None = None
    keep_owner: bool = False

    def _check(self) -> None:
        check_path(self.dest, "copy destination")
        if self.owner is not None:
            check_user(self.owner, "copy owner")
        if self.keep_owner and self.owner is not None:
            raise SpecError(
                f"copy to {self.dest!r} gives both owner={self.owner!r} and keep_owner=True",
                fix="drop owner=... to keep the source's owners, or drop keep_owner=True to "
                "make the files owned by that owner",
            )
        if self.keep_owner and self.source.kind != "stage":
            raise SpecError(
                f"keep_owner=True on a copy of {self.source.describe()}: only a copy out of "
                "another image has owners to keep (files from a context or inline content "
                "are owned by root, as with Docker)",
                fix="drop keep_owner=True, or give owner='user:group'",
            )
        if self.mode is not None and not 0 <= self.mode <= 0o7777:
            raise SpecError(
                f"copy mode {self.mode:#o} is out of range",
                fix="give permission bits between 0o000 and 0o7777, e.g. 0o644",
            )

    @property
    def into_directory(self) -> bool:
        """Whether ``dest`` names a directory that a file source is copied into."""
        return names_directory(self.dest)


class Add(_Step):
    """Add a local tar archive, unpacked, or a remote file (Docker's ``ADD``).

    A :class:`ContextPath` source must be a tar archive, plain or compressed with gzip,
    bzip2 or xz (checked by its content, as Docker does, not its name): its entries are
    unpacked into the directory ``dest`` (created if missing, owned by root) with the
    owners, modes, times and links the archive records, replacing files already there.
    ``owner`` and ``mode`` are refused for an archive: Docker applies ``--chown`` only to
    the directories it creates, never to the archive's entries.

    A :class:`Url` source is the file at the URL, verified against its sha256 before the
    build starts (never unpacked). It is written at ``dest``, or inside it when ``dest``
    ends with ``/`` or is ``.``, named :attr:`Url.file_name`; its mode is ``mode``
    (default ``0o600``, as Docker's ``ADD`` makes it), its owner ``owner`` (default root,
    ``0:0``), its time the server's ``Last-Modified`` (else 1970-01-01).

    A relative ``dest`` resolves against the current workdir.
    """

    kind: Literal["add"] = field(default="add", init=False)
    source: ContextPath | Url
    dest: str
    owner: str | None = None
    mode: int | None = None

    def _check(self) -> None:
        check_path(self.dest, "add destination")
        source = self.source
        if isinstance(source, Url):
            if self.owner is not None:
                check_user(self.owner, "add owner")
            if self.mode is not None and not 0 <= self.mode <= 0o7777:
                raise SpecError(
                    f"add mode {self.mode:#o} is out of range",
                    fix="give permission bits between 0o000 and 0o7777, e.g. 0o755",
                )
            return
        if self.owner is not None or self.mode is not None:
            raise SpecError(
                f"add of the archive {source.path!r} takes no owner or mode: its entries keep "
                "the owners and modes the archive records (Docker's ADD --chown changes only "
                "the directories it creates)",
                fix="drop owner=/mode=, or set them in the archive, or chown/chmod in a run step",
            )
        if source.is_dir:
            raise SpecError(
                f"add source {source.path!r} is a directory; add unpacks a tar archive",
                fix=f"copy a directory with .copy(context / {source.path!r}, ...)",
            )
        try:
            compression = archive_compression(source.local_path)
        except OSError as exc:
            raise SpecError(
                f"cannot read the add source {source.path!r}: {exc.strerror or exc}",
                fix="make the file readable",
            ) from None
        if compression is None:
            raise SpecError(
                f"add source {source.path!r} is not a tar archive (plain, gzip, bzip2 or xz); "
                "add unpacks archives",
                fix=f"copy a plain file with .copy(context / {source.path!r}, ...)",
            )
        if compression == "zstd":
            raise SpecError(
                f"add source {source.path!r} is a zstd archive, which Docker 20.10's ADD copies "
                "as a file and newer Dockers unpack",
                fix="recompress it with gzip, bzip2 or xz (e.g. `zstd -dc x.tar.zst | gzip`)",
            )

    @property
    def into_directory(self) -> bool:
        """Whether ``dest`` names a directory that a URL's file is written into."""
        return names_directory(self.dest)


class Env(_Step):
    """Set environment variables in the image config.

    Values are literal (no ``$`` expansion) unless ``expand``: then ``$NAME`` and
    ``${NAME}`` expand, on every engine alike, from the environment the image has at this
    step, its base image's included (``PATH="/venv/bin:$PATH"``); see
    :mod:`framework.spec.expansion`.
    """

    kind: Literal["env"] = field(default="env", init=False)
    values: tuple[tuple[str, str], ...]
    expand: bool = False

    def _check(self) -> None:
        if not self.values:
            raise SpecError("env got no variables", fix="pass NAME=value pairs")
        for name, value in self.values:
            check_env_name(name)
            check_text(value, f"value of {name}")
            if self.expand:
                check_expandable(name, value, None)


AUTOMATIC_ARGS = frozenset(
    {
        *("TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"),
        *("BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"),
    }
)
"""The build-time variables BuildKit fills from the platforms: declared by name only."""


class Arg(_Step):
    """Declare build-time variables (Docker's ``ARG``).

    From this step on, every later run step sees them in its environment, also in the
    images built on this one with ``Image.from_(image)`` (BuildKit's stages inherit the
    ARGs of the stage they are built FROM); they never enter the image config, so an image
    built from the pushed or tagged image does not see them. Whichever of ``arg`` and
    ``env`` sets a name last gives its value (an arg overrides the base image's ``ENV``
    for run steps, and a later ``env`` overrides the arg), as in Docker. An
    ``env(..., expand=True)`` value expands ``$NAME`` from them too. A value of ``None``
    is allowed only for BuildKit's automatic platform variables (:data:`AUTOMATIC_ARGS`),
    which take the value of the platform built for (``TARGET*``) or built on
    (``BUILD*``). Values are literal and visible in the image's history, so they are no
    place for secrets.
    """

    kind: Literal["arg"] = field(default="arg", init=False)
    values: tuple[tuple[str, str | None], ...]

    def _check(self) -> None:
        if not self.values:
            raise SpecError(
                "arg got no variables", fix="pass NAME=value pairs, or an automatic name"
            )
        names = [name for name, _ in self.values]
        for name, value in self.values:
            check_env_name(name, "build-time variable name")
            if names.count(name) > 1:
                raise SpecError(
                    f"arg declares {name!r} twice", fix="declare each variable once per call"
                )
            if value is None:
                if name not in AUTOMATIC_ARGS:
                    raise SpecError(
                        f"arg {name!r} has no value",
                        fix=f"give it one: .arg({name}='...'); only BuildKit's platform"
                        f" variables ({', '.join(sorted(AUTOMATIC_ARGS))}) are declared by"
                        " name alone",
                    )
                continue
            check_text(value, f"value of {name}")
            if "\n" in value or "\r" in value:
                raise SpecError(
                    f"arg {name} holds a line break, which no Dockerfile ARG can hold",
                    fix="give a one-line value, or set the variable in the run step's env",
                )


class Workdir(_Step):
    """Set the working directory of later steps and of the container.

    Missing directories are created, owned by the current user (as BuildKit does).

    A relative path resolves against the current workdir, which must have been set
    earlier in the description (the base image's workdir is not known before a build).
    """

    kind: Literal["workdir"] = field(default="workdir", init=False)
    path: str

    def _check(self) -> None:
        check_path(self.path, "workdir")


class User(_Step):
    """Run later steps and the container as ``user`` or ``user:group`` (name or id).

    Copies are still owned by root unless they name an ``owner``.
    """

    kind: Literal["user"] = field(default="user", init=False)
    user: str

    def _check(self) -> None:
        check_user(self.user, "user")


class Label(_Step):
    """Set labels in the image config; keys and values are literal."""

    kind: Literal["label"] = field(default="label", init=False)
    values: tuple[tuple[str, str], ...]

    def _check(self) -> None:
        if not self.values:
            raise SpecError("label got no labels", fix="pass key=value pairs")
        for key, value in self.values:
            if not key:
                raise SpecError("a label key is empty", fix="give every label a key")
            if "=" in key or any(ord(c) < 0x20 or c == "\x7f" for c in key):
                raise SpecError(
                    f"label key {key!r} contains '=' or a control character",
                    fix="use a key like 'org.example.name' (values may hold anything)",
                )
            check_text(value, f"value of label {key!r}")


class Expose(_Step):
    """Record that the container listens on ``port``/``protocol`` (metadata only)."""

    kind: Literal["expose"] = field(default="expose", init=False)
    port: int
    protocol: Literal["tcp", "udp"] = "tcp"

    def _check(self) -> None:
        if not 1 <= self.port <= 65535:
            raise SpecError(
                f"port {self.port} is out of range", fix="use a port between 1 and 65535"
            )


def _check_argv(argv: tuple[str, ...], what: str) -> None:
    if not argv:
        raise SpecError(f"{what} got an empty list", fix="give at least the program")
    for arg in argv:
        check_text(arg, f"{what} argument")


def _check_command(argv: tuple[str, ...] | None, script: str | None, what: str) -> None:
    if (argv is None) == (script is None):
        raise SpecError(f"{what} needs one command", fix="pass a list (exec form) or a string")
    if argv is not None:
        _check_argv(argv, what)
    if script is not None:
        check_text(script, f"{what} command")


class Entrypoint(_Step):
    """Set the program the container runs: ``argv`` (exec form), or ``script`` run by the
    shell in effect (``/bin/sh -c`` unless :class:`Shell` set another)."""

    kind: Literal["entrypoint"] = field(default="entrypoint", init=False)
    argv: tuple[str, ...] | None = None
    script: str | None = None

    def _check(self) -> None:
        _check_command(self.argv, self.script, "entrypoint")


class Cmd(_Step):
    """Set the container's default command, or the entrypoint's default arguments:
    ``argv``, or ``script`` run by the shell in effect (as for :class:`Entrypoint`)."""

    kind: Literal["cmd"] = field(default="cmd", init=False)
    argv: tuple[str, ...] | None = None
    script: str | None = None

    def _check(self) -> None:
        _check_command(self.argv, self.script, "cmd")


_MAX_SECONDS = 9_223_372_036
"""The longest duration Docker parses, in whole seconds (Go's ``time.Duration``)."""
_MAX_RETRIES = 2**31 - 1
"""The most retries Docker parses (a 32-bit int)."""


class Healthcheck(_Step):
    """Set how the container's health is checked.

    ``argv`` is exec form (Docker's ``["CMD", ...]``); ``script`` is one line of shell
    (Docker's ``["CMD-SHELL", script]``, run by the container's ``/bin/sh -c``). With
    neither, the base image's check is disabled (``["NONE"]``).

    ``interval``, ``timeout`` and ``start_period`` are seconds (floats allowed, at least
    0.001: Docker's resolution is a millisecond; at most 9223372036, about 292 years, the
    longest duration Docker parses); ``retries`` is a count (at least 1).
    Each option left ``None`` is not set, so the runtime's default applies (Docker:
    interval 30 s, timeout 30 s, start period 0 s, 3 retries).
    """

    kind: Literal["healthcheck"] = field(default="healthcheck", init=False)
    argv: tuple[str, ...] | None = None
    script: str | None = None
    interval: float | None = None
    timeout: float | None = None
    start_period: float | None = None
    retries: int | None = None

    def _check(self) -> None:
        if self.script is not None:
            # A Dockerfile trims the command; the shell ignores the white space anyway.
            object.__setattr__(self, "script", self.script.strip())
        if self.argv is not None and self.script is not None:
            raise SpecError("a healthcheck has one command", fix="give argv or script, not both")
        if self.argv is not None:
            _check_argv(self.argv, "healthcheck")
        if self.script is not None:
            _check_health_script(self.script)
        for name in ("interval", "timeout", "start_period"):
            value = getattr(self, name)
            if value is not None and not value >= 0.001:
                raise SpecError(
                    f"healthcheck {name} {value}s is too small",
                    fix=f"give {name} in seconds, at least 0.001 (or None for Docker's default)",
                )
            if value is not None and not value <= _MAX_SECONDS:
                raise SpecError(
                    f"healthcheck {name} {value}s is too large: Docker's durations end at "
                    f"{_MAX_SECONDS} s (about 292 years)",
                    fix=f"give {name} in seconds, at most {_MAX_SECONDS}",
                )
        if self.retries is not None and self.retries < 1:
            raise SpecError("healthcheck retries must be at least 1", fix="give retries >= 1")
        if self.retries is not None and self.retries > _MAX_RETRIES:
            raise SpecError(
                f"healthcheck retries {self.retries} is too large",
                fix=f"give retries from 1 to {_MAX_RETRIES}",
            )


def _check_health_script(script: str) -> None:
    check_text(script, "healthcheck command")
    if not script.strip():
        raise SpecError("healthcheck got an empty command", fix="give the shell command to run")
    if "\n" in script or "\r" in script or script.rstrip().endswith("\\"):
        raise SpecError(
            "a shell-form healthcheck must be one line, not ending with a backslash",
            fix="join the lines with ';' or '&&', or pass a list (exec form)",
        )
    if _is_json_list(script):
        raise SpecError(
            f"shell-form healthcheck {script!r} is a JSON list, which a Dockerfile reads as"
            " exec form",
            fix="pass a Python list for exec form",
        )


def _is_json_list(text: str) -> bool:
    if not text.lstrip().startswith("["):
        return False
    import json

    try:
        return isinstance(json.loads(text), list)
    except ValueError:
        return False


class Volume(_Step):
    """Declare ``paths`` as volumes in the image config (Docker's ``VOLUME``; metadata:
    a container gets a fresh volume there, filled from the image). A relative path
    resolves against the current workdir, as a copy destination does."""

    kind: Literal["volume"] = field(default="volume", init=False)
    paths: tuple[str, ...]

    def _check(self) -> None:
        if not self.paths:
            raise SpecError("volume got no paths", fix="give at least one path, e.g. '/data'")
        for path in self.paths:
            check_path(path, "volume path")


_SIGNAL_NAMES = frozenset(
    [
        *("ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO"),
        *("IOT", "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP"),
        *("SYS", "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM"),
        *("WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX"),
    ]
    + [f"RTMIN+{n}" for n in range(1, 16)]
    + [f"RTMAX-{n}" for n in range(1, 15)]
)
"""The Linux signal names Docker parses (moby's ``SignalMap``), without ``SIG``."""
_MAX_SIGNAL = 64


def is_signal(text: str) -> bool:
    """Whether Docker parses ``text`` as a stop signal: a name with or without ``SIG``, in
    any case, or a number from 1 to 64."""
    if text.isdecimal():
        return 1 <= int(text) <= _MAX_SIGNAL
    return text.upper().removeprefix("SIG") in _SIGNAL_NAMES


class StopSignal(_Step):
    """Set the signal that stops the container (Docker's ``STOPSIGNAL``; config
    ``StopSignal``): a name with or without ``SIG``, in any case (``"SIGTERM"``,
    ``"usr1"``), or a number from 1 to 64. It is stored as given, as Docker stores it
    (Docker parses it when it stops a container)."""

    kind: Literal["stopsignal"] = field(default="stopsignal", init=False)
    signal: str

    def _check(self) -> None:
        if not is_signal(self.signal):
            raise SpecError(
                f"stop signal {self.signal!r} is not a signal Docker knows",
                fix="give a signal name like 'SIGTERM', 'SIGUSR1' or 'SIGRTMIN+3', "
                "or a number from 1 to 64",
            )


class Shell(_Step):
    """Run the string-form commands that follow in this image (``run``, ``cmd``,
    ``entrypoint``) as ``argv + [command]`` instead of ``/bin/sh -c command`` (Docker's
    ``SHELL``, recorded in the config ``Shell``, which a shell-form healthcheck uses when
    the container runs). Images built on this one inherit it."""

    kind: Literal["shell"] = field(default="shell", init=False)
    argv: tuple[str, ...]

    def _check(self) -> None:
        _check_argv(self.argv, "shell")


Step = (
    Run
    | Arg
    | Copy
    | Add
    | Env
    | Workdir
    | User
    | Label
    | Expose
    | Entrypoint
    | Cmd
    | Healthcheck
    | Volume
    | StopSignal
    | Shell
)
