"""Pipeline parameters from command-line options and the environment, validated by type.

A value is text; it is converted to the parameter's annotation: ``str``, ``int``,
``float``, ``bool`` (``true/false``, ``yes/no``, ``on/off``, ``1/0``), a path, a
:class:`~framework.Context`, an ``Enum`` (by value or name), a ``Literal``, ``X | None``
(``none``/``null`` or empty for ``None``), ``list``/``tuple``/``set``/``frozenset`` of
those (comma-separated, or a JSON list), ``dict`` (a JSON object), or ``Any`` (the text).
"""

from __future__ import annotations

import enum
import json
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

from framework.cli.targets import Parameter, Pipeline
from framework.errors import SpecError, UsageError
from framework.spec import Context

__all__ = ["resolve_arguments"]


def resolve_arguments(
    pipeline: Pipeline, given: Mapping[str, str | None], environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Values for ``pipeline``'s parameters: an option wins over ``FRAMEWORK_PARAM_<NAME>``;
    absent ones keep their defaults. A missing or ill-typed value is a
    :class:`UsageError` naming the parameter and how to set it."""
    env = os.environ if environ is None else environ
    arguments: dict[str, Any] = {}
    for parameter in pipeline.parameters():
        raw = given.get(parameter.name)
        if raw is None:
            raw = env.get(parameter.env)
        if raw is None:
            if parameter.required:
                raise UsageError(
                    f"pipeline {pipeline.name!r} needs the parameter {parameter.name!r}",
                    fix=f"pass {parameter.option} VALUE or set {parameter.env}",
                )
            continue
        arguments[parameter.name] = _convert(parameter, raw)
    return arguments


def _convert(parameter: Parameter, raw: str) -> Any:
    annotation = parameter.annotation
    if _is_context(annotation):
        try:
            return Context(Path(raw).expanduser().resolve())
        except SpecError as exc:
            raise UsageError(f"parameter {parameter.name!r}: {exc.problem}", fix=exc.fix) from None
    try:
        return _parse(annotation, raw)
    except _Unfit as exc:
        raise UsageError(
            f"parameter {parameter.name!r} got {raw!r}: {exc}",
            fix=f"pass a {parameter.type_name()} to {parameter.option} (or {parameter.env})",
        ) from None


class _Unfit(Exception):
    """The text does not fit the annotation; the message says what was expected."""


_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}
_COLLECTIONS: dict[Any, Any] = {list: list, tuple: tuple, set: set, frozenset: frozenset}


def _parse(annotation: Any, raw: str) -> Any:
    """``raw`` (command-line text) as a value of ``annotation``."""
    origin = typing.get_origin(annotation) or annotation
    args = typing.get_args(annotation)
    if annotation is Any or annotation is str:
        return raw
    if origin in (types.UnionType, typing.Union):
        return _parse_union(args, raw)
    if origin in _COLLECTIONS:
        return _parse_collection(_COLLECTIONS[origin], args, raw)
    if origin is dict:
        return _from_json(raw, dict, "a JSON object")
    return _scalar(annotation, raw)


def _parse_union(members: tuple[Any, ...], raw: str) -> Any:
    if type(None) in members and raw.strip().lower() in {"", "none", "null"}:
        return None
    problems = []
    for member in (m for m in members if m is not type(None)):
        try:
            return _parse(member, raw)
        except _Unfit as exc:
            problems.append(str(exc))
    raise _Unfit("; ".join(problems))


def _parse_collection(kind: Any, args: tuple[Any, ...], raw: str) -> Any:
    if raw.lstrip().startswith("["):
        items = [
            i if isinstance(i, str) else json.dumps(i) for i in _from_json(raw, list, "a list")
        ]
    else:
        items = [item.strip() for item in raw.split(",") if item]
    if kind is tuple and args and args[-1] is not Ellipsis:
        if len(items) != len(args):
            raise _Unfit(f"expected {len(args)} items, got {len(items)}")
        return tuple(_parse(a, item) for a, item in zip(args, items, strict=True))
    item_type = args[0] if args else str
    return kind(_parse(item_type, item) for item in items)


def _from_json(raw: str, kind: type, what: str) -> Any:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise _Unfit(f"not valid JSON ({exc})") from None
    if not isinstance(value, kind):
        raise _Unfit(f"expected {what}")
    return value


def _scalar(annotation: Any, raw: str) -> Any:
    text = raw.strip()
    if annotation is bool:
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise _Unfit("expected a boolean (true/false, yes/no, on/off, 1/0)")
    if annotation is int:
        try:
            return int(text)
        except ValueError:
            raise _Unfit("expected an integer") from None
    if annotation is float:
        try:
            return float(text)
        except ValueError:
            raise _Unfit("expected a number") from None
    if typing.get_origin(annotation) is typing.Literal:
        for choice in typing.get_args(annotation):
            if str(choice) == text:
                return choice
        raise _Unfit(f"expected one of {', '.join(repr(c) for c in typing.get_args(annotation))}")
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        for member in annotation:
            if text in (str(member.value), member.name):
                return member
        raise _Unfit(f"expected one of {', '.join(str(m.value) for m in annotation)}")
    if isinstance(annotation, type) and issubclass(annotation, PurePath):
        return annotation(raw)
    raise _Unfit(f"a parameter of type {annotation!r} cannot be given on the command line")


def _is_context(annotation: Any) -> bool:
    if annotation is Context:
        return True
    return Context in typing.get_args(annotation)
