"""Describe container images as Python objects; get cached, multistage BuildKit builds.

>>> from framework import Image
>>> app = Image.from_("python:3.11-slim").workdir("/app").cmd(["python", "app.py"])

``import framework`` loads only the errors and the spec (what describing an image
needs); the rest (``compile``, ``render``, ``build``, the progress displays, the engines)
loads on first use, so a pipeline pays for what it runs.
"""

import importlib
import sys
import types
import typing

from framework.errors import (
    BuildError,
    EngineUnavailable,
    FrameworkError,
    Interrupted,
    LegacyBuilderError,
    SpecError,
    UsageError,
)
from framework.spec import Bind, CacheMount, Context, Image, Inline, Secret, Tmpfs, Url
from framework.spec.platforms import BUILD_PLATFORM

if typing.TYPE_CHECKING:
    from framework.build import build, build_async
    from framework.engines import BuildResult, DockerEngine, StepReport
    from framework.plan import BuildPlan
    from framework.plan.compile import compile
    from framework.progress import LiveProgress, PlainProgress, SilentProgress
    from framework.record import Explanation, explain
    from framework.render import render
    from framework.script import run_script

_LAZY = {
    "build": "framework.build",
    "build_async": "framework.build",
    "BuildPlan": "framework.plan",
    "compile": "framework.plan",
    "render": "framework.render",
    "run_script": "framework.script",
    "LiveProgress": "framework.progress",
    "PlainProgress": "framework.progress",
    "SilentProgress": "framework.progress",
    "BuildResult": "framework.engines",
    "DockerEngine": "framework.engines",
    "StepReport": "framework.engines",
    "Explanation": "framework.record",
    "explain": "framework.record",
}
"""Public names loaded on first use, and the module that defines each."""


if not typing.TYPE_CHECKING:  # the imports above type the lazy names; others are errors

    def __getattr__(name: str) -> typing.Any:
        """Load a public name on first use, and keep it."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'framework' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


class _Package(types.ModuleType):
    """``framework`` itself. ``build`` and ``render`` name both a function and the
    submodule that defines it; importing the submodule would set the package's attribute
    to the module, so here the attribute stays the function (as ``from framework import
    build`` promises), whichever is imported first."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("build", "render") and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "BUILD_PLATFORM",
    "Bind",
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
    "Tmpfs",
    "Url",
    "UsageError",
    "build",
    "build_async",
    "compile",
    "explain",
    "render",
    "run_script",
]
