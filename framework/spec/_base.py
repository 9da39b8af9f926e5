"""Shared pieces of the spec models: the frozen base model, origins, value checks."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from framework.errors import SpecError

_FRAMEWORK_DIR = str(Path(__file__).resolve().parent.parent) + os.sep


class Model(BaseModel):
    """Frozen, strict-keyed base of every spec value.

    Built directly (``CacheMount(target=...)``), bad values raise :class:`SpecError`
    naming the field, like the chaining API does.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _invalid(type(self), exc, caller_origin()) from None
        except SpecError as exc:
            raise exc.at(where(caller_origin())) from None


class Origin(Model):
    """Where a value was declared in user code."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def caller_origin() -> Origin | None:
    """Return the first stack frame outside the framework and pydantic, or ``None``."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_FRAMEWORK_DIR) and "/pydantic/" not in filename:
            if filename.startswith("<"):
                return None
            return Origin(file=_display_path(filename), line=frame.f_lineno)
        frame = frame.f_back
    return None


def _display_path(filename: str) -> str:
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def origin_field() -> Origin | None:
    """A model field holding the declaring origin: not serialized, not part of a digest."""
    return Field(default=None, exclude=True, repr=False)


def where(origin: Origin | None) -> str | None:
    return None if origin is None else str(origin)


M = TypeVar("M", bound=BaseModel)


def validated(cls: type[M], at: Origin | None, /, **data: object) -> M:
    """Build ``cls`` from ``data``; turn pydantic's errors into a ``SpecError`` at ``at``."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise _invalid(cls, exc, at) from None
    except SpecError as exc:
        raise exc.at(where(at)) from None


def _invalid(cls: type[BaseModel], exc: ValidationError, at: Origin | None) -> SpecError:
    first = exc.errors()[0]
    loc = ".".join(str(part) for part in first["loc"]) or cls.__name__
    return SpecError(
        f"invalid {cls.__name__.lower()} {loc}: {first['msg']}",
        fix=f"pass a valid value for {loc!r} (see help(framework.{cls.__name__}))",
        where=where(at),
    )


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MOUNT_PATH = re.compile(r"/[A-Za-z0-9/._+@~:-]*")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?")


def check_text(value: str, what: str) -> str:
    """Any string without NUL (which no process argument, file or variable can hold)."""
    if "\x00" in value:
        raise SpecError(f"{what} contains a NUL character", fix=f"remove the NUL from {what}")
    return value


def check_env_name(name: str, what: str = "environment variable name") -> str:
    if not _ENV_NAME.fullmatch(name):
        raise SpecError(
            f"{what} {name!r} is not a valid name",
            fix="use letters, digits and underscores, not starting with a digit",
        )
    return name


def check_user(user: str, what: str) -> str:
    if not _USER.fullmatch(user):
        raise SpecError(
            f"{what} {user!r} is not a user or user:group",
            fix="give a name or numeric id, optionally ':group' (e.g. 'app', '1000:1000')",
        )
    return user


def check_path(path: str, what: str, *, absolute: bool = False) -> str:
    """A path inside an image: no NUL or newline; absolute when ``absolute``."""
    if not path:
        raise SpecError(f"{what} is empty", fix=f"give a path for {what}")
    if "\x00" in path or "\n" in path or "\r" in path:
        raise SpecError(
            f"{what} {path!r} contains a NUL or line break",
            fix="use a path without control characters",
        )
    if absolute and not path.startswith("/"):
        raise SpecError(f"{what} {path!r} is not absolute", fix=f"start {what} with '/'")
    return path


def check_mount_target(path: str, what: str) -> str:
    """Mount paths travel in unquoted ``--mount=`` options: a conservative character set."""
    check_path(path, what, absolute=True)
    if not _MOUNT_PATH.fullmatch(path):
        raise SpecError(
            f"{what} {path!r} has characters a mount option cannot carry"
            " (white space, quotes, ',', '$', backslash ...)",
            fix="use letters, digits and / . _ - + @ ~ : in mount paths",
        )
    return path
