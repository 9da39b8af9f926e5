"""Engines by name: each is one registration, found by ``build()``, the command line
(``--engine``), ``auto`` and the conformance suite alike.

An engine module registers an :class:`EngineKind`: its name, how to make one (imports
stay lazy: the Dagger SDK loads only when a Dagger build starts) and whether it can be
reached without downloading anything. ``auto`` tries the registered engines in order
(a reachable one first; when it turns out unavailable, the next), so no engine is
special-cased.
"""

from __future__ import annotations

from collections.abc import Callable

from framework._dataclass import dataclass
from framework.engines.base import Engine
from framework.errors import SpecError

__all__ = [
    "AUTO",
    "EngineKind",
    "engine_names",
    "next_for_auto",
    "register",
    "registered",
    "select_engine",
]

AUTO = "auto"


@dataclass(frozen=True)
class EngineKind:
    """A named engine. ``load`` makes one; ``reachable`` says why it can build here
    without a download, or returns ``None``."""

    name: str
    load: Callable[[], Engine]
    reachable: Callable[[], str | None]


_KINDS: dict[str, EngineKind] = {}


def register(kind: EngineKind) -> None:
    """Make ``kind`` known by its name; ``auto`` tries engines in registration order."""
    if kind.name == AUTO or kind.name in _KINDS:
        raise ValueError(f"an engine named {kind.name!r} is already registered")
    _KINDS[kind.name] = kind


def registered() -> tuple[EngineKind, ...]:
    """Every registered engine, in ``auto``'s order."""
    return tuple(_KINDS.values())


def engine_names() -> tuple[str, ...]:
    """What ``engine=`` and ``--engine`` accept: ``auto`` and every registered name."""
    return (AUTO, *_KINDS)


def select_engine(engine: str | Engine | None, *, default: str = "docker") -> tuple[Engine, str]:
    """The engine for ``engine`` and why it was chosen: ``None`` is ``default``, a name
    is that engine, ``"auto"`` the first that is reachable (see :func:`next_for_auto`)."""
    if engine is None:
        return _KINDS[default].load(), "the default"
    if not isinstance(engine, str):
        return engine, "given"
    if engine == AUTO:
        found = next_for_auto(None, None)
        if found is None:
            raise SpecError("auto found no engine", fix="register an engine, or name one")
        return found
    kind = _KINDS.get(engine)
    if kind is None:
        raise SpecError(
            f"unknown engine {engine!r}", fix=f"choose one of {', '.join(engine_names())}"
        )
    return kind.load(), "asked for"


def next_for_auto(after: str | None, problem: str | None) -> tuple[Engine, str] | None:
    """For ``auto``: the first reachable engine registered after ``after`` (from the
    start when ``None``), and why; ``problem`` says why ``after`` was given up."""
    names = list(_KINDS)
    start = 0 if after is None else names.index(after) + 1
    skipped = [] if after is None else [f"{after} was unavailable: {problem}"]
    for kind in list(_KINDS.values())[start:]:
        reason = kind.reachable()
        if reason is not None:
            return kind.load(), "auto: " + "; ".join([*skipped, reason])
        skipped.append(f"{kind.name} is not reachable without a download")
    return None
