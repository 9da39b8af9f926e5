"""Pipeline parameters from command-line options and the environment, validated by type."""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping
from pathlib import Path
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
    # pydantic loads only when a value is given: a pipeline run with its defaults
    # (every no-op rebuild of the examples) does not pay for importing it.
    from pydantic import TypeAdapter, ValidationError

    inner = _without_none(annotation)
    if inner is not annotation and raw.strip().lower() in ("", "none", "null"):
        return None
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    try:
        if raw.lstrip().startswith(("[", "{")):
            return adapter.validate_json(raw)
        if typing.get_origin(inner) in (list, tuple, set, frozenset):
            return adapter.validate_python([item.strip() for item in raw.split(",") if item])
        return adapter.validate_python(raw)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"]
        raise UsageError(
            f"parameter {parameter.name!r} got {raw!r}: {message}",
            fix=f"pass a {parameter.type_name()} to {parameter.option} (or {parameter.env})",
        ) from None


def _without_none(annotation: Any) -> Any:
    """``X`` for ``X | None`` (a union of one type with None); else ``annotation``."""
    members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if len(members) == 1 and len(typing.get_args(annotation)) == 2:
        return members[0]
    return annotation


def _is_context(annotation: Any) -> bool:
    if annotation is Context:
        return True
    return Context in typing.get_args(annotation)
