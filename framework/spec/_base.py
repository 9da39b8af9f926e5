"""Shared pieces of the spec values: the frozen, validated base, origins, value checks.

:class:`Model` is this package's own small base on :mod:`dataclasses` (no third-party
validation library: describing an image must stay cheap to import). Each subclass is a
frozen dataclass whose fields are checked against their annotations, strictly, every time
a value is made, and then by the class's ``_check`` for what types cannot say.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar, Literal, TypeVar, dataclass_transform

from framework.errors import SpecError

_FRAMEWORK_DIR = str(Path(__file__).resolve().parent.parent) + os.sep

_Conv = Callable[[object], object]
"""A field's check: returns the value to store, or raises :class:`_Mismatch`."""


_ABSENT = object()
_MISSING = dataclasses.MISSING


class _Mismatch(Exception):
    """A value does not fit a field's type; ``args[0]`` says what was expected."""


@dataclass_transform(
    kw_only_default=True, frozen_default=True, field_specifiers=(dataclasses.field,)
)
class Model:
    """Frozen, strictly typed, strict-keyed base of every spec value.

    Made directly (``CacheMount(target=...)``), by a verb, or by
    :func:`dataclasses.replace`, a value is checked the same way: fields by name only
    (positional arguments and unknown names raise :class:`SpecError` listing the fields),
    each field against its annotation without coercion (``network=1`` is not a bool; a
    list given for a tuple field is stored as a tuple), then the class's ``_check``. A
    bad value raises :class:`SpecError` naming the field. Values cannot be changed (this
    class's ``__setattr__`` refuses; a field a class computes is set by its ``_check``
    with ``object.__setattr__``), and compare and hash by what they describe: fields
    declared with ``compare=False`` (``origin``: where a value was declared) are left
    out, so equal descriptions are equal.
    """

    _fields_cache: ClassVar[tuple[tuple[str, Any, Any, _Conv | None], ...] | None]
    _meaning_names: ClassVar[tuple[str, ...]]
    _input_names: ClassVar[frozenset[str]]
    _extra_types: ClassVar[dict[str, object]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Every method comes from this class (none is generated per subclass, which
        # would cost a compile() each at import): dataclasses only records the fields.
        undocumented = not cls.__dict__.get("__doc__")
        if undocumented:  # else dataclasses documents it with inspect.signature (ms, at first)
            cls.__doc__ = "-"
        dataclasses.dataclass(init=False, repr=False, eq=False, match_args=False)(cls)
        cls._fields_cache = None
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        if undocumented:
            cls.__doc__ = f"{cls.__name__}({', '.join(f.name for f in fields)})"
        cls._meaning_names = tuple(f.name for f in fields if f.compare)
        cls._input_names = frozenset(f.name for f in fields if f.init)

    def __init__(self, /, *args: object, **data: object) -> None:
        if args:
            raise SpecError(
                f"{type(self).__name__} takes its fields by name",
                fix=f"call {type(self).__name__}({_keyword_form(type(self))})",
                where=where(caller_origin()),
            )
        try:
            self._fill(data)
        except SpecError as exc:
            raise exc.at(where(caller_origin())) from None

    def _fill(self, data: Mapping[str, object]) -> None:
        """Set every field from ``data`` (checked) or its default, then run ``_check``."""
        cls = type(self)
        fields = cls._fields_cache or cls._compile()
        if not data.keys() <= cls._input_names:
            raise _unknown_field(cls, next(k for k in data if k not in cls._input_names))
        setter = object.__setattr__
        for name, default, factory, convert in fields:
            value = data.get(name, _ABSENT)
            if value is not _ABSENT:
                try:
                    value = convert(value)  # type: ignore[misc]  # an input: it has one
                except _Mismatch as exc:
                    raise _invalid(cls, name, f"{exc.args[0]}, not {_shown(value)}") from None
            elif default is not _MISSING:
                value = default
            elif factory is not _MISSING:
                value = factory()
            elif convert is None:
                continue  # computed by _check
            else:
                raise _invalid(cls, name, "this field is required")
            setter(self, name, value)
        self._check()

    def _check(self) -> None:
        """What the field types cannot say; raise :class:`SpecError` (no ``where``)."""

    @classmethod
    def _compile(cls) -> tuple[tuple[str, Any, Any, _Conv | None], ...]:
        """Each field's name, default, default factory and check (``None``: not an input)."""
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        inputs = {f.name for f in fields if f.init}
        extra: dict[str, object] = {}
        for klass in cls.__mro__:
            extra = {**getattr(klass, "_extra_types", {}), **extra}
        hints: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            namespace = {**vars(sys.modules[klass.__module__]), **extra}
            for name, annotation in vars(klass).get("__annotations__", {}).items():
                if name in inputs:
                    hints[name] = (
                        eval(annotation, namespace) if isinstance(annotation, str) else annotation
                    )
        compiled = tuple(
            (
                f.name,
                f.default,
                f.default_factory,
                _converter(hints[f.name]) if f.init else None,
            )
            for f in fields
        )
        cls._fields_cache = compiled
        return compiled

    def _meaning(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in type(self)._meaning_names)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Model)
        return self._meaning() == other._meaning()

    def __hash__(self) -> int:
        return hash((type(self), self._meaning()))

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}"
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if f.repr and hasattr(self, f.name)
        )
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(
            f"a {type(self).__name__} is immutable: .{name} cannot be set"
            " (make a new one, e.g. with dataclasses.replace)"
        )

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(
            f"a {type(self).__name__} is immutable: .{name} cannot be deleted"
        )

    def as_json(self, exclude: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
        """What the value describes as JSON data: its compared fields, nested values as
        objects, tuples as lists, paths as strings (``exclude`` left out)."""
        return {
            name: _json(getattr(self, name))
            for name in type(self)._meaning_names
            if name not in exclude
        }


def complete_types(cls: type[Model], **names: object) -> None:
    """Name types ``cls``'s annotations use that its module cannot import (a cycle)."""
    cls._extra_types = {**cls._extra_types, **names}
    cls._fields_cache = None


def _json(value: object) -> Any:
    # Ordered by how often each kind occurs in steps: plain values, then tuples.
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, tuple | list):
        return [item if type(item) is str else _json(item) for item in value]
    if isinstance(value, Model):
        return value.as_json()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return value


def _shown(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


# -- field checks, made once per field from its annotation --------------------------------


def _converter(annotation: Any) -> _Conv:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is Any:
        return lambda value: value
    if origin in (types.UnionType, typing.Union):
        return _union(args)
    if origin is Literal:
        return _literal(args)
    if origin is tuple:
        return _tuple(args)
    if annotation is float:
        return _float
    if annotation is int:
        return _int
    if isinstance(annotation, type):
        return _instance(annotation)
    raise TypeError(f"no check for the annotation {annotation!r}")  # a framework bug


def _instance(cls: type) -> _Conv:
    article = "an" if cls.__name__[0] in "AEIOU" else "a"
    expected = f"should be {article} {cls.__name__}"

    def convert(value: object) -> object:
        if isinstance(value, cls):  # int (where bool is one) has its own check
            return value
        raise _Mismatch(expected)

    return convert


def _int(value: object) -> object:
    if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _Mismatch("should be an int")


def _float(value: object) -> object:
    if isinstance(value, float):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    raise _Mismatch("should be a number")


def _literal(allowed: tuple[object, ...]) -> _Conv:
    expected = "should be " + " or ".join(repr(a) for a in allowed)

    def convert(value: object) -> object:
        if isinstance(value, str) and value in allowed:
            return value
        raise _Mismatch(expected)

    return convert


def _union(members: tuple[Any, ...]) -> _Conv:
    optional = type(None) in members
    checks = [_converter(m) for m in members if m is not type(None)]
    if len(checks) == 1:
        (only,) = checks

        def convert_optional(value: object) -> object:
            return None if value is None else only(value)

        return convert_optional if optional else only
    expected = " or ".join(
        getattr(m, "__name__", str(m)) for m in members if m is not type(None)
    ) + (" or None" if optional else "")

    def convert(value: object) -> object:
        if value is None and optional:
            return None
        for check in checks:
            try:
                return check(value)
            except _Mismatch:
                continue
        raise _Mismatch(f"should be {expected}")

    return convert


def _tuple(args: tuple[Any, ...]) -> _Conv:
    if len(args) == 2 and args[1] is Ellipsis:
        item = _converter(args[0])
        if args[0] is str:

            def strings(value: object) -> object:
                if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
                    return tuple(value)
                raise _Mismatch("should be a tuple of str")

            return strings

        def homogeneous(value: object) -> object:
            if not isinstance(value, tuple | list):
                raise _Mismatch("should be a tuple")
            try:
                return tuple([item(v) for v in value])
            except _Mismatch as exc:
                raise _Mismatch(f"should be a tuple whose items {exc.args[0]}") from None

        if args[0] == tuple[str, str]:

            def pairs(value: object) -> object:
                if isinstance(value, tuple) and all(
                    type(v) is tuple and len(v) == 2 and type(v[0]) is str and type(v[1]) is str
                    for v in value
                ):
                    return value
                return homogeneous(value)

            return pairs
        return homogeneous
    items = [_converter(a) for a in args]

    def fixed(value: object) -> object:
        if not isinstance(value, tuple | list) or len(value) != len(items):
            raise _Mismatch(f"should be a tuple of {len(items)}")
        return tuple(check(v) for check, v in zip(items, value, strict=True))

    return fixed


# -- errors -----------------------------------------------------------------------------


def _input_fields(cls: type[Model]) -> list[str]:
    return [
        f.name
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.init and f.name != "origin"
    ]


def _keyword_form(cls: type[Model]) -> str:
    return ", ".join(f"{name}=..." for name in _input_fields(cls))


def _unknown_field(cls: type[Model], name: str) -> SpecError:
    import difflib

    known = _input_fields(cls)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return SpecError(
        f"{cls.__name__} has no field {name!r}",
        fix=f"{hint}its fields are: {', '.join(known)} (see help({_help_topic(cls)}))",
    )


def _invalid(cls: type, name: str, message: str) -> SpecError:
    return SpecError(
        f"invalid {cls.__name__.lower()} {name}: {message}",
        fix=f"pass a valid value for {name!r} (see help({_help_topic(cls)}))",
    )


M = TypeVar("M", bound=Model)


def validated(cls: type[M], at: Origin | None, /, **data: object) -> M:
    """Make ``cls`` from ``data``; a bad value is a ``SpecError`` at ``at``."""
    value = cls.__new__(cls)
    try:
        value._fill(data)
    except SpecError as exc:
        raise exc.at(where(at)) from None
    return value


class Origin(Model):
    """Where a value was declared in user code."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def caller_origin() -> Origin | None:
    """Return the first stack frame outside the framework, or ``None``."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_FRAMEWORK_DIR) and not filename.endswith("/dataclasses.py"):
            if filename.startswith("<"):
                return None
            return _origin(filename, frame.f_lineno, os.getcwd())
        frame = frame.f_back
    return None


@functools.lru_cache(maxsize=1024)
def _origin(filename: str, line: int, cwd: str) -> Origin:
    """The (immutable, so shared) origin of a line: a loop declares many values there."""
    return validated(Origin, None, file=_display_path(filename, cwd), line=line)


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


def origin_field() -> Any:
    """A field holding the declaring origin: not compared, not shown, not in a digest."""
    return dataclasses.field(default=None, compare=False, repr=False)


def where(origin: Origin | None) -> str | None:
    return None if origin is None else str(origin)


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
