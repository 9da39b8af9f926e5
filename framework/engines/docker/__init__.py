"""The docker engine: BuildKit in a Docker daemon, local or remote (``DOCKER_HOST``).

``DockerEngine`` (which imports anyio) and the client finder load on first use, so the
build record and the daemon's API (:mod:`framework.docker_api`) import alone."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framework.engines.docker.client import DockerClient, find_client
    from framework.engines.docker.engine import DockerEngine

__all__ = ["DockerClient", "DockerEngine", "find_client"]


def __getattr__(name: str) -> Any:
    if name == "DockerEngine":
        from framework.engines.docker.engine import DockerEngine

        return DockerEngine
    if name in ("DockerClient", "find_client"):
        from framework.engines.docker import client

        return getattr(client, name)
    raise AttributeError(f"module 'framework.engines.docker' has no attribute {name!r}")
