"""Build cache exported to the registry and imported by a second, empty Docker daemon."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Docker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def second_daemon(docker: Docker, tmp_path: Path) -> Iterator[str]:
    """A second dockerd with its own data root and socket; yields its DOCKER_HOST."""
    if os.geteuid() != 0 or shutil.which("dockerd") is None:
        pytest.skip("a second Docker daemon needs root and dockerd")
    short = Path(f"/tmp/fw-d2-{uuid.uuid4().hex[:6]}")  # socket paths must stay short
    short.mkdir()
    host = f"unix://{short}/docker.sock"
    log = tmp_path / "dockerd.log"
    # --bridge=none would make this dockerd delete docker0 under the main daemon; sharing
    # docker0 with a separate address range for its containers leaves the main one alone.
    argv = [
        "dockerd", "--data-root", str(tmp_path / "data"), "--exec-root", str(short / "exec"),
        "--pidfile", str(short / "pid"), "-H", host, "--bridge=docker0",
        "--fixed-cidr=172.17.240.0/20", "--iptables=false", "--ip-masq=false",
    ]  # fmt: skip
    with log.open("w") as log_file:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log_file)
        try:
            for _ in range(60):
                probe = subprocess.run(
                    [docker.path, "-H", host, "info"], capture_output=True, check=False
                )
                if probe.returncode == 0:
                    break
                time.sleep(0.5)
            else:
                pytest.fail("second dockerd did not start:\n" + log.read_text())
            yield host
        finally:
            process.terminate()
            process.wait(timeout=60)
            shutil.rmtree(short, ignore_errors=True)


def cli(*args: str, docker_host: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    if docker_host:
        env["DOCKER_HOST"] = docker_host
    return subprocess.run(
        [sys.executable, "-m", "framework", *args],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False,
    )  # fmt: skip


def test_cache_exported_to_registry_is_used_by_an_empty_daemon(
    docker: Docker, registry: str, second_daemon: str
) -> None:
    cache = f"{registry}/fw-test/flask-cache:{uuid.uuid4().hex[:8]}"
    docker.tags.append(cache)
    exported = cli("build", "pipelines/flask_app.py", "--cache-to", cache, "--json")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["pushed"][0].startswith(cache + "@sha256:")
    # The empty daemon gets the base image through the registry as a mirror.
    docker("tag", "python:3.11-slim", f"{registry}/library/python:3.11-slim")
    docker("push", f"{registry}/library/python:3.11-slim")
    pulled = cli("images", "pull", "python:3.11-slim", "--mirror", registry,
                 docker_host=second_daemon)  # fmt: skip
    assert pulled.returncode == 0, pulled.stderr

    imported = cli("build", "pipelines/flask_app.py", "--cache-from", cache, "--json",
                   docker_host=second_daemon)  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    summary = json.loads(imported.stdout)
    statuses = {s["description"]: s["status"] for s in summary["steps"] if s["status"] != "config"}
    assert statuses == {
        "WORKDIR /app": "cached",
        "COPY flask_app/requirements.txt -> .": "cached",
        "RUN pip install -r requirements.txt": "cached",
        "COPY flask_app/app.py -> .": "cached",
    }
