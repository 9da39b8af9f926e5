"""The docker engine: BuildKit in a local Docker daemon."""

from framework.engines.docker.client import DockerClient, find_client
from framework.engines.docker.engine import DockerEngine

__all__ = ["DockerClient", "DockerEngine", "find_client"]
