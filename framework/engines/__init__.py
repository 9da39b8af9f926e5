"""Engines turn a ``BuildPlan`` into an image. Each sits under ``build()`` behind
the :class:`Engine` interface; :func:`select_engine` maps a name to one."""

from __future__ import annotations

from framework.engines.base import BuildRequest, BuildResult, Engine, StepReport
from framework.engines.dagger import DaggerEngine, dagger_reachable
from framework.engines.docker import DockerEngine
from framework.errors import SpecError

__all__ = [
    "BuildRequest",
    "BuildResult",
    "DaggerEngine",
    "DockerEngine",
    "Engine",
    "StepReport",
    "select_engine",
]

ENGINES = ("auto", "dagger", "docker")


def select_engine(engine: str | Engine) -> tuple[Engine, str]:
    """The engine for ``engine`` and why it was chosen.

    ``"dagger"`` and ``"docker"`` name one; ``"auto"`` takes Dagger where an engine can
    be reached without downloading one (a Dagger session, or the Dagger CLI), otherwise
    the local Docker daemon.
    """
    if not isinstance(engine, str):
        return engine, "given"
    if engine == "docker":
        return DockerEngine(), "asked for"
    if engine == "dagger":
        return DaggerEngine(), "asked for"
    if engine == "auto":
        reason = dagger_reachable()
        if reason is not None:
            return DaggerEngine(), f"auto: {reason}"
        return DockerEngine(), "auto: no Dagger session or CLI here; using the Docker daemon"
    raise SpecError(f"unknown engine {engine!r}", fix=f"choose one of {', '.join(ENGINES)}")
