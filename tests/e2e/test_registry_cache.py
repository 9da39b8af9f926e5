"""Build cache exported to the registry and imported by a second, empty Docker daemon."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Docker, cli
from tests.e2e.daemons import PrivateDaemon


@pytest.fixture
def second_daemon(docker: Docker, tmp_path: Path) -> Iterator[str]:
    """A second, empty dockerd; yields its DOCKER_HOST."""
    daemon = PrivateDaemon(docker.path, tmp_path)
    daemon.start()
    try:
        yield daemon.host
    finally:
        daemon.close()


def test_cache_exported_to_registry_is_used_by_an_empty_daemon(
    docker: Docker, registry: str, second_daemon: str
) -> None:
    cache = f"{registry}/fw-test/flask-cache:{uuid.uuid4().hex[:8]}"
    docker.tags.append(cache)
    exported = cli("build", "pipelines/flask_app.py", "--cache-to", cache, "--json")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["pushed"][0].startswith(cache + "@sha256:")
    # The empty daemon gets the base image through the registry as a mirror.
    mirrored = f"{registry}/library/python:3.11-slim"
    docker.tags.append(mirrored)
    docker("tag", "python:3.11-slim", mirrored)
    docker("push", mirrored)
    pulled = cli("images", "pull", "python:3.11-slim", "--mirror", registry,
                 env={"DOCKER_HOST": second_daemon})  # fmt: skip
    assert pulled.returncode == 0, pulled.stderr

    imported = cli("build", "pipelines/flask_app.py", "--cache-from", cache, "--json",
                   env={"DOCKER_HOST": second_daemon})  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    summary = json.loads(imported.stdout)
    statuses = {s["description"]: s["status"] for s in summary["steps"] if s["status"] != "config"}
    assert statuses == {
        "WORKDIR /app": "cached",
        "COPY flask_app/requirements.txt -> .": "cached",
        "RUN pip install -r requirements.txt": "cached",
        "COPY flask_app/app.py -> .": "cached",
    }
