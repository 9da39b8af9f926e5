"""Engines turn a ``BuildPlan`` into an image. Each sits under ``build()`` behind
the :class:`Engine` interface; :func:`select_engine` maps a name to one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from framework.engines.base import BuildRequest, BuildResult, Engine, StepReport
from framework.engines.dagger.reach import dagger_reachable
from framework.engines.docker import DockerEngine
from framework.errors import SpecError

if TYPE_CHECKING:
    from framework.engines.dagger import DaggerEngine

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


def __getattr__(name: str) -> Any:
    if name == "DaggerEngine":  # imports the Dagger SDK, so only when asked for
        from framework.engines.dagger import DaggerEngine

        return DaggerEngine
    raise AttributeError(name)


def _dagger() -> Engine:
    from framework.engines.dagger import DaggerEngine

    return DaggerEngine()


def select_engine(engine: str | Engine | None) -> tuple[Engine, str]:
    """The engine for ``engine`` and why it was chosen.

    ``None`` is the default, docker; ``"dagger"`` and ``"docker"`` name one; ``"auto"``
    takes Dagger where an engine can be reached without downloading one (a Dagger
    session, or the Dagger CLI), otherwise the local Docker daemon.
    """
    if engine is None:
        return DockerEngine(), "the default"
    if not isinstance(engine, str):
        return engine, "given"
    if engine == "docker":
        return DockerEngine(), "asked for"
    if engine == "dagger":
        return _dagger(), "asked for"
    if engine == "auto":
        reason = dagger_reachable()
        if reason is not None:
            return _dagger(), f"auto: {reason}"
        return DockerEngine(), "auto: no Dagger session or CLI here; using the Docker daemon"
    raise SpecError(f"unknown engine {engine!r}", fix=f"choose one of {', '.join(ENGINES)}")
