"""Engines turn a ``BuildPlan`` into an image. Each sits under ``build()`` behind the
:class:`Engine` interface and is registered by name (:mod:`framework.engines.registry`);
:func:`select_engine` maps a name to one.

Adding an engine: one module implementing :class:`Engine`, and one ``register(...)``
line below (or in the module, imported by the pipeline before it builds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from framework.engines.base import BuildRequest, BuildResult, Engine, StepReport
from framework.engines.dagger.reach import dagger_reachable
from framework.engines.registry import EngineKind, engine_names, register, select_engine

if TYPE_CHECKING:
    from framework.engines.dagger import DaggerEngine
    from framework.engines.docker import DockerEngine

__all__ = [
    "BuildRequest",
    "BuildResult",
    "DaggerEngine",
    "DockerEngine",
    "Engine",
    "EngineKind",
    "StepReport",
    "engine_names",
    "register",
    "select_engine",
]


def __getattr__(name: str) -> Any:
    if name == "DockerEngine":  # imports anyio, so only when asked for
        from framework.engines.docker.engine import DockerEngine

        return DockerEngine
    if name == "DaggerEngine":  # imports the Dagger SDK, so only when asked for
        from framework.engines.dagger import DaggerEngine

        return DaggerEngine
    raise AttributeError(name)


def _dagger() -> Engine:
    from framework.engines.dagger import DaggerEngine

    return DaggerEngine()


register(EngineKind("dagger", load=_dagger, reachable=dagger_reachable))


def _docker() -> Engine:
    from framework.engines.docker.engine import DockerEngine

    return DockerEngine()


register(EngineKind("docker", load=_docker, reachable=lambda: "using the Docker daemon"))
