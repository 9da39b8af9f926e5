"""The Docker daemon's image store: list, pull (through a mirror), tag, remove.

Every function talks to the daemon at ``host`` when given, else to the one the client
chooses (``$DOCKER_HOST``, the docker context, the local socket): the same daemon a
``DockerEngine(host=...)`` builds on."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from framework.docker_api import DaemonAPI, DaemonAPIError, local_socket
from framework.engines.docker.client import daemon_fix, find_client
from framework.errors import EngineUnavailable, ImageStoreError

__all__ = [
    "MIRROR_ENV",
    "image_size",
    "inspect_image",
    "list_images",
    "mirror_reference",
    "pull",
    "remove",
    "tag",
]

MIRROR_ENV = "FRAMEWORK_REGISTRY_MIRROR"


def _docker(args: list[str], client: str | None, host: str | None) -> str:
    found = find_client(client)
    result = subprocess.run(
        [found.path, *args], capture_output=True, text=True, check=False,
        env=found.environment(host),
    )  # fmt: skip
    if result.returncode != 0:
        detail = result.stderr.strip() or result.stdout.strip()
        if "Cannot connect to the Docker daemon" in detail or "error during connect" in detail:
            raise EngineUnavailable("docker", detail, fix=daemon_fix(host))
        raise ImageStoreError(f"docker {' '.join(args[:2])}: {detail}")
    return result.stdout


def inspect_image(
    reference: str, client: str | None = None, *, host: str | None = None
) -> dict[str, Any]:
    """``docker image inspect`` of ``reference`` as a dict (through the daemon's API
    socket where it is local, :mod:`framework.docker_api`)."""
    socket = local_socket(host)
    if socket is not None:
        try:
            with DaemonAPI(socket) as api:
                found = api.image(reference)
        except DaemonAPIError:
            pass  # not answering there: the client says why
        else:
            if found is None:
                raise ImageStoreError(f"docker image inspect: no such image: {reference}")
            return found
    out = _docker(["image", "inspect", reference], client, host)
    data: list[dict[str, Any]] = json.loads(out)
    return data[0]


def image_size(reference: str, client: str | None = None, *, host: str | None = None) -> int:
    """The size in bytes of ``reference`` in the daemon's image store."""
    return int(inspect_image(reference, client, host=host)["Size"])


def list_images(client: str | None = None, *, host: str | None = None) -> list[dict[str, str]]:
    """Every tagged image: ``repository``, ``tag``, ``id``, ``size``, ``created``."""
    out = _docker(["image", "ls", "--format", "{{json .}}"], client, host)
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [
        {
            "repository": row["Repository"],
            "tag": row["Tag"],
            "id": row["ID"],
            "size": row["Size"],
            "created": row["CreatedSince"],
        }
        for row in rows
    ]


def mirror_reference(reference: str, mirror: str) -> str:
    """Where ``reference`` (a Docker Hub or other registry image) lives on ``mirror``.

    ``python:3.11-slim`` -> ``<mirror>/library/python:3.11-slim``; a reference that
    names its registry keeps its path: ``ghcr.io/o/app:1`` -> ``<mirror>/o/app:1``.
    """
    first, _, rest = reference.partition("/")
    has_registry = bool(rest) and ("." in first or ":" in first or first == "localhost")
    path = rest if has_registry else reference
    if "/" not in path:
        path = "library/" + path
    return f"{mirror.rstrip('/')}/{path}"


def pull(
    reference: str,
    *,
    mirror: str | None = None,
    client: str | None = None,
    host: str | None = None,
) -> str:
    """Pull ``reference``; with a mirror (argument or ``$FRAMEWORK_REGISTRY_MIRROR``),
    pull it from there and tag it as ``reference``. Returns the image id."""
    mirror = mirror or os.environ.get(MIRROR_ENV)
    if mirror:
        source = mirror_reference(reference, mirror)
        _docker(["pull", "-q", source], client, host)
        _docker(["tag", source, reference], client, host)
    else:
        _docker(["pull", "-q", reference], client, host)
    return str(inspect_image(reference, client, host=host)["Id"])


def tag(source: str, target: str, client: str | None = None, *, host: str | None = None) -> None:
    """Give the image ``source`` the extra name ``target`` (through the daemon's API
    socket where it is local)."""
    socket = local_socket(host)
    name, _, version = target.rpartition(":")
    if not name or "/" in version:
        name, version = target, "latest"
    if socket is not None and "@" not in target:
        try:
            with DaemonAPI(socket) as api:
                api.tag(source, name, version)
        except DaemonAPIError as exc:
            if exc.status is not None:
                raise ImageStoreError(f"docker tag: {exc}") from None
        else:
            return
    _docker(["tag", source, target], client, host)


def remove(
    reference: str, *, force: bool = False, client: str | None = None, host: str | None = None
) -> None:
    """Remove the name ``reference`` (the image too when it was its last name)."""
    _docker(["image", "rm", *(["--force"] if force else []), reference], client, host)
