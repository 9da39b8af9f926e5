"""Engines turn a ``BuildPlan`` into an image. Each sits under ``build()`` behind
the :class:`Engine` interface; ``select_engine`` maps a name to one."""

from __future__ import annotations

from framework.engines.base import BuildRequest, BuildResult, Engine, StepReport
from framework.engines.docker import DockerEngine
from framework.errors import SpecError

__all__ = ["BuildRequest", "BuildResult", "DockerEngine", "Engine", "StepReport", "select_engine"]

ENGINES = ("docker", "auto")


def select_engine(engine: str | Engine) -> Engine:
    """The engine named ``engine`` (``"docker"`` or ``"auto"``), or ``engine`` itself.

    ``auto`` picks the first engine that answers; today that is the docker engine.
    """
    if not isinstance(engine, str):
        return engine
    if engine in ENGINES:
        return DockerEngine()
    raise SpecError(f"unknown engine {engine!r}", fix=f"choose one of {', '.join(ENGINES)}")
