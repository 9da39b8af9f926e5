"""Describe container images as Python objects; get cached, multistage BuildKit builds.

>>> from framework import Image
>>> app = Image.from_("python:3.11-slim").workdir("/app").cmd(["python", "app.py"])
"""

from framework.build import build, build_async
from framework.engines import BuildResult, DockerEngine, StepReport
from framework.errors import (
    BuildError,
    EngineUnavailable,
    FrameworkError,
    LegacyBuilderError,
    SpecError,
)
from framework.plan import BuildPlan, compile
from framework.progress import LiveProgress, PlainProgress, SilentProgress
from framework.render import render
from framework.spec import CacheMount, Context, Image, Inline, Secret

__all__ = [
    "BuildError",
    "BuildPlan",
    "BuildResult",
    "CacheMount",
    "Context",
    "DockerEngine",
    "EngineUnavailable",
    "FrameworkError",
    "Image",
    "Inline",
    "LegacyBuilderError",
    "LiveProgress",
    "PlainProgress",
    "Secret",
    "SilentProgress",
    "SpecError",
    "StepReport",
    "build",
    "build_async",
    "compile",
    "render",
]
