"""Describe container images as Python objects; get cached, multistage BuildKit builds.

>>> from framework import Image
>>> app = Image.from_("python:3.11-slim").workdir("/app").cmd(["python", "app.py"])
"""

import typing

from framework.build import build, build_async
from framework.errors import (
    BuildError,
    EngineUnavailable,
    FrameworkError,
    Interrupted,
    LegacyBuilderError,
    SpecError,
    UsageError,
)
from framework.plan import BuildPlan, compile
from framework.progress import LiveProgress, PlainProgress, SilentProgress
from framework.render import render
from framework.script import run_script
from framework.spec import CacheMount, Context, Image, Inline, Secret

if typing.TYPE_CHECKING:
    from framework.engines import BuildResult, DockerEngine, StepReport
    from framework.record import Explanation, explain

_ENGINE_NAMES = {"BuildResult", "DockerEngine", "StepReport"}
_RECORD_NAMES = {"Explanation", "explain"}


def __getattr__(name: str) -> typing.Any:
    """Engine classes and ``explain`` load on first use: describing images does not
    import them."""
    if name in _ENGINE_NAMES:
        from framework import engines

        return getattr(engines, name)
    if name in _RECORD_NAMES:
        from framework import record

        return getattr(record, name)
    raise AttributeError(f"module 'framework' has no attribute {name!r}")


__all__ = [
    "BuildError",
    "BuildPlan",
    "BuildResult",
    "CacheMount",
    "Context",
    "DockerEngine",
    "EngineUnavailable",
    "Explanation",
    "FrameworkError",
    "Image",
    "Inline",
    "Interrupted",
    "LegacyBuilderError",
    "LiveProgress",
    "PlainProgress",
    "Secret",
    "SilentProgress",
    "SpecError",
    "StepReport",
    "UsageError",
    "build",
    "build_async",
    "compile",
    "explain",
    "render",
    "run_script",
]
