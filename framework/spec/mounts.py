"""What a run step mounts: cache directories, secrets, bind mounts and tmpfs."""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Literal

from framework.errors import SpecError
from framework.spec._base import (
    _FRAMEWORK_DIR,
    Model,
    Origin,
    caller_origin,
    check_env_name,
    check_mount_target,
    check_text,
    declared_path,
    origin_field,
    validated,
    where,
)
from framework.spec.sources import Context, ContextPath

if TYPE_CHECKING:
    # StagePath refers to Image; framework.spec.image completes Bind's types.
    from framework.spec.image import StagePath

__all__ = [
    "DEFAULT_CACHE_MODE",
    "Bind",
    "CacheMount",
    "Secret",
    "SecretUse",
    "Tmpfs",
    "declaring_function",
]

DEFAULT_CACHE_MODE = 0o755
"""The mode of a new cache directory, as a Dockerfile's ``--mount=type=cache`` makes it."""

_SECRET_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def declaring_function() -> str:
    """``file:function`` of the first caller outside the framework.

    The file is relative to its project root (see :class:`CacheMount`), never absolute,
    so it does not change with the checkout's location.
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_FRAMEWORK_DIR) and not filename.endswith("/dataclasses.py"):
            return f"{_project_path(filename)}:{frame.f_code.co_qualname}"
        frame = frame.f_back
    return "<unknown>"


@functools.lru_cache(maxsize=256)
def _project_path(filename: str) -> str:
    if filename.startswith("<"):
        return filename  # <stdin>, <string>: no file to place
    path = Path(filename).resolve()
    for parent in path.parents:
        if any((parent / marker).exists() for marker in _PROJECT_MARKERS):
            return path.relative_to(parent).as_posix()
    top = path.parent
    while (top / "__init__.py").exists() and top.parent != top:
        top = top.parent
    return path.relative_to(top).as_posix()


class CacheMount(Model):
    """A directory that persists between builds and never enters the image.

    ``id`` names the cache. Left ``None``, the cache belongs to the pipeline that
    declared it: ``scope`` records the file and function where the mount was declared
    (the ``.run(..., cache=...)`` call, or ``CacheMount(...)`` itself), the file named
    relative to its project root (the nearest directory holding ``pyproject.toml``,
    ``setup.py``, ``setup.cfg`` or ``.git``; else its top package), so the same pipeline
    finds its cache again across rebuilds, checkouts and working directories, while
    another pipeline using the same path gets its own cache. A mount declared in a
    shared helper function belongs to that helper, so its users share it. Sharing
    between pipelines is explicit: give the same ``id``
    (``CacheMount(target="/root/.cache/pip", id="pip")``; fields are given by name).
    That default id is the one deliberate difference from a Dockerfile, whose cache is
    named by its target alone and so is shared by every build on the daemon.

    The other options and their defaults are a Dockerfile's: ``sharing`` ``shared``
    (concurrent builds use the cache together), ``private`` (a concurrent build gets a
    fresh one) or ``locked`` (one build at a time); ``mode`` (default ``0o755``),
    ``uid`` and ``gid`` (default 0) are the cache directory's when it is first made.
    """

    target: str
    id: str | None = None
    sharing: Literal["shared", "private", "locked"] = "shared"
    mode: int = DEFAULT_CACHE_MODE
    uid: int = 0
    gid: int = 0
    scope: str = dataclasses.field(default_factory=declaring_function)

    def _check(self) -> None:
        check_mount_target(self.target, "cache mount target")
        if self.id is not None:
            check_mount_target("/" + self.id, "cache id")
        if not 0 <= self.mode <= 0o7777:
            raise SpecError(
                f"cache mount mode {self.mode:#o} is out of range",
                fix="give permission bits between 0o000 and 0o7777, e.g. 0o755",
            )
        for name in ("uid", "gid"):
            if not 0 <= getattr(self, name) < 2**32:
                raise SpecError(
                    f"cache mount {name} {getattr(self, name)} is out of range",
                    fix=f"give {name} as a number from 0 to 4294967295",
                )

    @property
    def cache_id(self) -> str:
        """The id the engine mounts: ``id``, else ``pipeline-<hash of scope>:<target>``."""
        if self.id is not None:
            return self.id
        import hashlib  # not needed to describe an image: loaded when a plan is made

        digest = hashlib.sha256(self.scope.encode()).hexdigest()[:12]
        return f"pipeline-{digest}:{self.target}"


class Secret(Model):
    """A secret value read at build time, from an environment variable or a file.

    ``Secret.env("API_TOKEN")`` or ``Secret.file("~/.netrc")``; ``id`` defaults to the
    variable name or the file's name. A relative file path resolves as a
    :class:`Context`'s does: against the directory of the file that declares the
    secret (the working directory in an interactive session), never the directory the
    build happens to run from. The value is read only by the engine when the
    build starts: it never enters the image, its config or history, the plan or its
    digests, or any line the framework prints. Use it in a run step with
    :meth:`as_env` or :meth:`as_file`. Like BuildKit's own secrets, a value is not part of
    the cache key: changing only a secret's value does not rerun a cached step.
    """

    id: str
    source: Literal["env", "file"]
    name: str

    def _check(self) -> None:
        if not _SECRET_ID.fullmatch(self.id):
            raise SpecError(
                f"secret id {self.id!r} is not valid",
                fix="use letters, digits, '_', '.' and '-', starting with a letter or digit",
            )
        if self.source == "env":
            check_env_name(self.name, "secret environment variable")
        else:
            check_text(self.name, "secret file path")

    @classmethod
    def env(cls, variable: str, *, id: str | None = None) -> Secret:
        """A secret whose value is the environment variable ``variable`` at build time."""
        return validated(cls, caller_origin(), id=id or variable, source="env", name=variable)

    @classmethod
    def file(cls, path: str | Path, *, id: str | None = None) -> Secret:
        """A secret whose value is the content of the file at ``path`` at build time.

        A relative ``path`` is relative to the declaring file's directory (see above).
        """
        origin = caller_origin()
        if not isinstance(path, str | Path):
            raise SpecError(
                f"Secret.file got {type(path).__name__}", fix="pass a path", where=where(origin)
            )
        full = declared_path(path, origin)
        default = re.sub(r"[^A-Za-z0-9_.-]", "_", full.name).lstrip("._-") or "secret"
        return validated(cls, origin, id=id or default, source="file", name=str(full))

    def as_env(self, variable: str) -> SecretUse:
        """Expose the secret to a run step as the environment variable ``variable``."""
        return validated(SecretUse, caller_origin(), secret=self, env=variable)

    def as_file(self, path: str) -> SecretUse:
        """Expose the secret to a run step as a read-only file at ``path``."""
        return validated(SecretUse, caller_origin(), secret=self, path=path)

    def describe(self) -> str:
        return f"${self.name}" if self.source == "env" else self.name


class SecretUse(Model):
    """A secret as one run step sees it: an environment variable or a file."""

    secret: Secret
    env: str | None = None
    path: str | None = None

    def _check(self) -> None:
        if (self.env is None) == (self.path is None):
            raise SpecError(
                "a secret use needs exactly one of env or path",
                fix="use secret.as_env('NAME') or secret.as_file('/run/secrets/name')",
            )
        if self.env is not None:
            check_env_name(self.env, "secret variable")
        if self.path is not None:
            check_mount_target(self.path, "secret file path")

    @property
    def mount_path(self) -> str:
        """Where the secret file is mounted (for env use, a private path read by the step)."""
        return self.path or f"/run/secrets/{self.secret.id}"


class Bind(Model):
    """A file or directory mounted into one run step only, never copied into the image.

    ``Bind(context / "src", "/src")`` mounts a path of a :class:`Context` (the whole
    context with ``Bind(context, "/src")``), sent as a copy of it would be (its
    ``.dockerignore`` and include/exclude apply, and its content enters the step's
    digest); ``Bind(builder / "/out", "/in")`` mounts a path of another image, which
    becomes a stage of the build (its digest enters the step's). ``target`` is an
    absolute path. The mount is read-only unless ``rw=True``; writes to a writable bind
    are discarded after the step, as with BuildKit. Context files appear owned by root
    (0:0), as Docker sends them; a stage's keep their owners.
    """

    kind: Literal["bind"] = dataclasses.field(default="bind", init=False)
    source: ContextPath | StagePath
    target: str
    rw: bool = False
    origin: Origin | None = origin_field()

    def __init__(
        self,
        source: Context | ContextPath | StagePath,
        target: str,
        *,
        rw: bool = False,
        origin: Origin | None = None,
    ) -> None:
        origin = origin or caller_origin()
        from framework.spec.image import StagePath  # image imports this module

        if isinstance(source, Context):
            source = ContextPath.inside(source, ".", origin)
        if not isinstance(source, ContextPath | StagePath):
            raise SpecError(
                f"bind source is a {type(source).__name__}",
                fix="bind a Context, context / 'path' or image / '/path'",
                where=where(origin),
            )
        try:
            self._fill({"source": source, "target": target, "rw": rw, "origin": origin})
        except SpecError as exc:
            raise exc.at(where(origin)) from None

    def _check(self) -> None:
        check_mount_target(self.target, "bind mount target")


class Tmpfs(Model):
    """An empty in-memory filesystem at ``target`` for one run step: nothing written there
    reaches a layer. ``size`` caps it, in bytes (default: the engine's, half the memory
    on Linux); a Dockerfile's ``size=`` needs Docker 23 or newer."""

    kind: Literal["tmpfs"] = dataclasses.field(default="tmpfs", init=False)
    target: str
    size: int | None = None
    origin: Origin | None = origin_field()

    def __init__(
        self, target: str, *, size: int | None = None, origin: Origin | None = None
    ) -> None:
        origin = origin or caller_origin()
        try:
            self._fill({"target": target, "size": size, "origin": origin})
        except SpecError as exc:
            raise exc.at(where(origin)) from None

    def _check(self) -> None:
        check_mount_target(self.target, "tmpfs mount target")
        if self.size is not None and self.size <= 0:
            raise SpecError(
                f"tmpfs size {self.size} is not positive",
                fix="give the size in bytes, e.g. size=64 * 2**20, or leave it out",
            )
