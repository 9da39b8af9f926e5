"""``$NAME`` references in env values: checked where expansion is asked for, warned about
where it is not.

An expanded value (``.env(PATH="/venv/bin:$PATH", expand=True)``) may hold ``$NAME`` and
``${NAME}`` only: every engine expands those alike, from the environment the image has
at that step (its base image's included); an unset variable expands to nothing. Other
uses of ``$`` (``$$``, ``${NAME:-x}``, a lone ``$``) mean different things to a
Dockerfile and to Dagger, so they are refused.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection

from framework.errors import LiteralDollarWarning, SpecError
from framework.spec._base import Origin, where

__all__ = ["check_expandable", "references", "warn_literal_references"]

_REFERENCE = re.compile(r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})")

ALWAYS_SET = frozenset({"PATH"})
"""Variables every image has: Docker and Dagger set ``PATH`` when the base does not."""


def references(value: str) -> set[str]:
    """The names ``value`` refers to as ``$NAME`` or ``${NAME}``."""
    return {m.group(1) or m.group(2) for m in _REFERENCE.finditer(value)}


def check_expandable(name: str, value: str, origin: Origin | None) -> None:
    """Refuse a ``$`` in an expanded ``value`` that is not ``$NAME`` or ``${NAME}``."""
    rest = _REFERENCE.sub("", value)
    if "$" in rest:
        raise SpecError(
            f"env {name}={value!r} is expanded, and holds a '$' that is not $NAME or ${{NAME}}",
            fix="write $NAME or ${NAME} only (engines disagree on other forms), or set the"
            " value without expand=True to keep it literal",
            where=where(origin),
        )
    if "\n" in value or "\r" in value:
        raise SpecError(
            f"env {name} is expanded and holds a line break",
            fix="give a one-line value, or set it without expand=True",
            where=where(origin),
        )


def warn_literal_references(
    pairs: tuple[tuple[str, str], ...], set_before: Collection[str], origin: Origin | None
) -> None:
    """Warn, at ``origin``, about each literal value referring to a variable the image
    sets (``set_before``, or ``PATH``)."""
    for name, value in pairs:
        named = sorted(references(value) & (set(set_before) | ALWAYS_SET))
        if not named:
            continue
        message = (
            f"env {name}={value!r} keeps ${named[0]} literally; to use the variable's value,"
            " pass expand=True"
        )
        if origin is None:
            warnings.warn(message, LiteralDollarWarning, stacklevel=4)
        else:
            warnings.warn_explicit(message, LiteralDollarWarning, origin.file, origin.line)
