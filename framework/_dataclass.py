"""``dataclass`` for the framework's own value classes, cheap to define.

The standard decorator compiles source for ``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__`` and ``__delattr__`` of every class when it is defined
(a ``compile()`` each: about a millisecond a frozen class, tens of milliseconds for a
build command, which defines ninety). Here :mod:`dataclasses` only records the fields;
``__repr__``, ``__eq__``, ``__hash__`` and the frozen ``__setattr__``/``__delattr__`` are
shared methods over the recorded field names, and ``__init__`` is compiled the first time
a class is instantiated (so a class a process never makes costs nothing more).

What callers see is the standard behaviour for the options the framework uses
(``frozen``, ``kw_only``; ``field(default=..., default_factory=..., init=...,
compare=..., repr=...)``, ``__post_init__``): :func:`dataclasses.fields`,
:func:`dataclasses.replace`, :func:`dataclasses.asdict` and ``match`` patterns work;
equal field values compare equal; a frozen instance refuses assignment with
:class:`dataclasses.FrozenInstanceError`; a non-frozen one with ``eq`` is unhashable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

__all__ = ["dataclass"]

_T = TypeVar("_T")


@overload
def dataclass(cls: type[_T], /) -> type[_T]: ...


@overload
def dataclass(*, frozen: bool = False, kw_only: bool = False) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def dataclass(
    cls: type[_T] | None = None, /, *, frozen: bool = False, kw_only: bool = False
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """:func:`dataclasses.dataclass` with ``frozen`` and ``kw_only`` (module docstring)."""

    def wrap(klass: type[_T]) -> type[_T]:
        return _process(klass, frozen=frozen, kw_only=kw_only)

    return wrap if cls is None else wrap(cls)


def _process(cls: type[_T], *, frozen: bool, kw_only: bool) -> type[_T]:
    own = cls.__dict__
    undocumented = not own.get("__doc__")
    if undocumented:  # else dataclasses documents it with inspect.signature (ms, at first)
        cls.__doc__ = "-"
    dataclasses.dataclass(init=False, repr=False, eq=False, match_args=False, kw_only=kw_only)(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if undocumented:
        cls.__doc__ = f"{cls.__name__}({', '.join(f.name for f in fields)})"
    compared = tuple(f.name for f in fields if f.compare)
    shown = tuple(f.name for f in fields if f.repr)
    klass: Any = cls
    klass.__fast_compared__ = staticmethod(_getter(compared))
    klass.__fast_shown__ = shown
    klass.__fast_frozen__ = frozen
    klass.__match_args__ = tuple(f.name for f in fields if f.init and not f.kw_only)  # type: ignore[misc]
    if "__init__" not in own:
        klass.__init__ = _first_init
    if "__repr__" not in own:
        klass.__repr__ = _repr
    if "__eq__" not in own:
        klass.__eq__ = _eq
        if "__hash__" not in own:
            klass.__hash__ = _hash if frozen else None
    if frozen:
        klass.__setattr__ = _frozen_setattr
        klass.__delattr__ = _frozen_delattr
    return cls


def _getter(names: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    if not names:
        return lambda _: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda value: (one(value),)
    return attrgetter(*names)


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__fast_shown__)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self.__fast_compared__(self) == self.__fast_compared__(other)


def _hash(self: Any) -> int:
    return hash(self.__fast_compared__(self))


def _frozen_setattr(self: Any, name: str, value: object) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _first_init(self: Any, *args: Any, **kwargs: Any) -> None:
    """Compile the class's ``__init__``, install it on the class, and run it."""
    cls = type(self)
    owner = next(k for k in cls.__mro__ if k.__dict__.get("__init__") is _first_init)
    owner.__init__ = _compile_init(owner)  # type: ignore[misc]
    owner.__init__(self, *args, **kwargs)  # type: ignore[misc]


class _Factory:
    """Marks a parameter whose default is a factory's (as the standard code does)."""


_HAS_FACTORY = _Factory()


def _compile_init(cls: type) -> Callable[..., None]:
    """The standard ``__init__`` of ``cls``: positional and keyword-only parameters in
    field order, defaults, factories, ``init=False`` fields, then ``__post_init__``."""
    fields = dataclasses.fields(cls)
    frozen = cls.__dict__.get("__fast_frozen__", False)
    names: dict[str, object] = {"_HAS_FACTORY": _HAS_FACTORY, "_object": object}
    positional: list[str] = []
    keywords: list[str] = []
    body: list[str] = []
    for f in fields:
        has_factory = f.default_factory is not dataclasses.MISSING
        if has_factory:
            names[f"_factory_{f.name}"] = f.default_factory
        if f.init:
            if has_factory:
                param = f"{f.name}=_HAS_FACTORY"
                value = f"_factory_{f.name}() if {f.name} is _HAS_FACTORY else {f.name}"
            elif f.default is not dataclasses.MISSING:
                names[f"_default_{f.name}"] = f.default
                param, value = f"{f.name}=_default_{f.name}", f.name
            else:
                param, value = f.name, f.name
            (keywords if f.kw_only else positional).append(param)
        elif has_factory:
            value = f"_factory_{f.name}()"
        elif f.default is not dataclasses.MISSING:
            names[f"_default_{f.name}"] = f.default
            value = f"_default_{f.name}"
        else:
            continue
        if frozen:
            body.append(f"    _object.__setattr__(self, {f.name!r}, {value})")
        else:
            body.append(f"    self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    params = ", ".join(["self", *positional, *(["*", *keywords] if keywords else [])])
    source = f"def __init__({params}) -> None:\n" + ("\n".join(body) or "    pass") + "\n"
    exec(compile(source, f"<dataclass {cls.__qualname__}>", "exec"), names)
    init: Callable[..., None] = names["__init__"]  # type: ignore[assignment]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init
