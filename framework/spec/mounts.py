"""What a run step mounts: cache directories and secrets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from framework.errors import SpecError
from framework.spec._base import (
    Model,
    caller_origin,
    check_env_name,
    check_mount_target,
    check_text,
    validated,
    where,
)

__all__ = ["CacheMount", "Secret", "SecretUse"]

_SECRET_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class CacheMount(Model):
    """A directory that persists between builds and never enters the image.

    ``id`` names the cache (default: the target path), so two steps, stages or
    pipelines that give the same id share it. ``sharing`` is BuildKit's:
    ``locked`` (default: one writer at a time), ``shared`` or ``private``.
    """

    target: str
    id: str | None = None
    sharing: Literal["shared", "private", "locked"] = "locked"

    @model_validator(mode="after")
    def _check(self) -> CacheMount:
        check_mount_target(self.target, "cache mount target")
        if self.id is not None:
            check_mount_target("/" + self.id, "cache id")
        return self

    @property
    def cache_id(self) -> str:
        return self.id or self.target


class Secret(Model):
    """A secret value read at build time, from an environment variable or a file.

    ``Secret.env("API_TOKEN")`` or ``Secret.file("~/.netrc")``; ``id`` defaults to the
    variable name or the file's name. The value is read only by the engine when the
    build starts: it never enters the image, its config or history, the plan or its
    digests, or any line the framework prints. Use it in a run step with
    :meth:`as_env` or :meth:`as_file`. Like BuildKit's own secrets, a value is not part of
    the cache key: changing only a secret's value does not rerun a cached step.
    """

    id: str
    source: Literal["env", "file"]
    name: str

    @model_validator(mode="after")
    def _check(self) -> Secret:
        if not _SECRET_ID.fullmatch(self.id):
            raise SpecError(
                f"secret id {self.id!r} is not valid",
                fix="use letters, digits, '_', '.' and '-', starting with a letter or digit",
            )
        if self.source == "env":
            check_env_name(self.name, "secret environment variable")
        else:
            check_text(self.name, "secret file path")
        return self

    @classmethod
    def env(cls, variable: str, *, id: str | None = None) -> Secret:
        """A secret whose value is the environment variable ``variable`` at build time."""
        return validated(cls, caller_origin(), id=id or variable, source="env", name=variable)

    @classmethod
    def file(cls, path: str | Path, *, id: str | None = None) -> Secret:
        """A secret whose value is the content of the file at ``path`` at build time."""
        origin = caller_origin()
        if not isinstance(path, str | Path):
            raise SpecError(
                f"Secret.file got {type(path).__name__}", fix="pass a path", where=where(origin)
            )
        full = Path(path).expanduser().resolve()
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

    @model_validator(mode="after")
    def _check(self) -> SecretUse:
        if (self.env is None) == (self.path is None):
            raise SpecError(
                "a secret use needs exactly one of env or path",
                fix="use secret.as_env('NAME') or secret.as_file('/run/secrets/name')",
            )
        if self.env is not None:
            check_env_name(self.env, "secret variable")
        if self.path is not None:
            check_mount_target(self.path, "secret file path")
        return self

    @property
    def mount_path(self) -> str:
        """Where the secret file is mounted (for env use, a private path read by the step)."""
        return self.path or f"/run/secrets/{self.secret.id}"
