"""The docker engine: BuildKit in a Docker daemon, local or remote (``DOCKER_HOST``).

``DockerEngine`` (which imports anyio) loads on first use, so the build record and the
daemon's API (:mod:`framework.engines.docker.api`) import without it."""

from typing import TYPE_CHECKING, Any

from framework.engines.docker.client import DockerClient, find_client

if TYPE_CHECKING:
    from framework.engines.docker.engine import DockerEngine

__all__ = ["DockerClient", "DockerEngine", "find_client"]


def __getattr__(name: str) -> Any:
    if name == "DockerEngine":
        from framework.engines.docker.engine import DockerEngine

        return DockerEngine
    raise AttributeError(f"module 'framework.engines.docker' has no attribute {name!r}")
