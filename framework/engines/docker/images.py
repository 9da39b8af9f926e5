"""Reading the Docker daemon's local image store."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from framework.engines.docker.client import find_client
from framework.errors import EngineUnavailable

__all__ = ["image_size", "inspect_image"]


def inspect_image(reference: str, client: str | None = None) -> dict[str, Any]:
    """``docker image inspect`` of ``reference`` as a dict."""
    docker = find_client(client).path
    result = subprocess.run(
        [docker, "image", "inspect", reference], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise EngineUnavailable(
            "docker",
            f"cannot inspect image {reference!r}: {result.stderr.strip()}",
            fix="build or pull the image first, and check the Docker daemon answers",
        )
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data[0]


def image_size(reference: str, client: str | None = None) -> int:
    """The size in bytes of ``reference`` in the local image store."""
    return int(inspect_image(reference, client)["Size"])
