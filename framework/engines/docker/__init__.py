"""The docker engine: BuildKit in a Docker daemon, local or remote (``DOCKER_HOST``)."""

from framework.engines.docker.client import DockerClient, find_client
from framework.engines.docker.engine import DockerEngine

__all__ = ["DockerClient", "DockerEngine", "find_client"]
