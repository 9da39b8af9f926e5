"""Shared pieces of the spec models: the frozen base model, origins, value checks."""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from framework.errors import SpecError

_FRAMEWORK_DIR = str(Path(__file__).resolve().parent.parent) + os.sep


class Model(BaseModel):
    """Frozen, strict-keyed base of every spec value.

    Built directly (``CacheMount(target=...)``), bad values raise :class:`SpecError`
    naming the field, like the chaining API does. No way of making one skips
    validation: ``model_copy(update=...)`` validates the result again, and
    ``model_construct`` is refused. Values compare and hash by what they describe:
    where they were declared (``origin``) is left out, so equal descriptions are equal.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    _made_by: ClassVar[str | None] = None
    """How a value whose constructor checks more than its fields is made; such a value
    refuses ``model_copy``, which could only check the fields."""

    def __init__(self, /, *args: Any, **data: Any) -> None:
        if args:
            fields = ", ".join(
                f"{name}=..." for name in type(self).model_fields if name != "origin"
            )
            raise SpecError(
                f"{type(self).__name__} takes its fields by name",
                fix=f"call {type(self).__name__}({fields})",
                where=where(caller_origin()),
            )
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _invalid(type(self), exc, caller_origin()) from None
        except SpecError as exc:
            raise exc.at(where(caller_origin())) from None

    # This __init__ only translates errors: marked as pydantic marks its own, validation
    # (model_validate, used by every verb) does not call it, which would run each
    # validator twice.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with ``update`` applied, validated again like any new value."""
        if self._made_by is not None:
            raise SpecError(
                f"{type(self).__name__}.model_copy() would skip the checks of {self._made_by}",
                fix=f"make a new one with {self._made_by}",
                where=where(caller_origin()),
            )
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(update or {})
        return validated(type(self), caller_origin(), **data)

    @classmethod
    def model_construct(  # type: ignore[override]  # the pydantic plugin types it per model
        cls, _fields_set: set[str] | None = None, **values: Any
    ) -> Self:
        """Refused: it would make a value without validating it."""
        raise SpecError(
            f"{cls.__name__}.model_construct() would skip validation",
            fix=f"build it the documented way (see help({_help_topic(cls)}))",
            where=where(caller_origin()),
        )

    def _meaning(self) -> tuple[object, ...]:
        fields = type(self).model_fields
        return tuple(getattr(self, name) for name, info in fields.items() if name != "origin")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Model)
        return self._meaning() == other._meaning()

    def __hash__(self) -> int:
        return hash((type(self), self._meaning()))


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
            return Origin(file=_display_path(filename, os.getcwd()), line=frame.f_lineno)
        frame = frame.f_back
    return None


@functools.lru_cache(maxsize=256)
def _display_path(filename: str, cwd: str) -> str:
    """``filename`` relative to ``cwd`` when inside it (resolved once per pair)."""
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(Path(cwd).resolve()))
    except ValueError:
        return str(path)


def declared_path(path: str | Path, origin: Origin | None) -> Path:
    """``path`` on this machine, absolute: ``~`` expanded, a relative path joined to the
    directory of the file that declared it (``origin``), or to the working directory in
    an interactive session, where there is no file."""
    base = Path(origin.file).resolve().parent if origin else Path.cwd()
    return (base / Path(path).expanduser()).resolve()


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
        fix=f"pass a valid value for {loc!r} (see help({_help_topic(cls)}))",
        where=where(at),
    )


# What documents how each value is made: the Image method that makes a step, the class
# users call for the rest. A name not listed is looked up on ``framework`` itself.
_HELP = {
    "Run": "Image.run",
    "Copy": "Image.copy",
    "Env": "Image.env",
    "Workdir": "Image.workdir",
    "User": "Image.user",
    "Label": "Image.label",
    "Expose": "Image.expose",
    "Entrypoint": "Image.entrypoint",
    "Cmd": "Image.cmd",
    "Healthcheck": "Image.healthcheck",
    "StagePath": "Image.copy",
    "ContextPath": "Context",
    "SecretUse": "Secret.as_env",
}


def _help_topic(cls: type) -> str:
    """``framework.X`` (or ``framework.Image.method``) that documents ``cls``; it exists."""
    import framework  # the package imports this module: look names up when needed

    dotted = _HELP.get(cls.__name__, cls.__name__)
    target: object = framework
    for part in dotted.split("."):
        target = getattr(target, part, None)
    return f"framework.{dotted}" if target is not None else "framework.Image"


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
