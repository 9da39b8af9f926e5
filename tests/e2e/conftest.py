"""End-to-end fixtures: a real Docker daemon with BuildKit, and helpers to run images.

Without an engine these tests skip with the reason; with FRAMEWORK_REQUIRE_ENGINE=1
(set by CI) a missing engine fails the run instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from framework import DockerEngine, EngineUnavailable

BASE_IMAGES = ("python:3.11-slim", "golang:1.19", "debian:bookworm-slim")
ROOT = Path(__file__).resolve().parents[2]
CLI = (sys.executable, "-m", "framework")


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess: outside GitHub Actions unless ``extra`` says."""
    inherited = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    return {**inherited, **extra}


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """``python -m framework ARGS`` in a subprocess, from the repository root."""
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, cwd=cwd, env=cli_env(**(env or {})),
        timeout=600, check=False,
    )  # fmt: skip


class Docker:
    """A thin helper over the docker client the engine chose, for checking results."""

    def __init__(self, engine: DockerEngine) -> None:
        self.engine = engine
        self.path = engine.client.path
        self.tags: list[str] = []

    def tag(self, name: str) -> str:
        """A unique tag, removed at the end of the session."""
        tag = f"fw-test-{name}:{uuid.uuid4().hex[:10]}"
        self.tags.append(tag)
        return tag

    def __call__(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        result = subprocess.run(
            [self.path, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed: {result.stderr}")
        return result.stdout

    def run(self, image: str, *argv: str, entrypoint: str | None = None) -> str:
        extra = ["--entrypoint", entrypoint] if entrypoint else []
        return self("run", "--rm", *extra, image, *argv)

    def exists(self, reference: str) -> bool:
        return (
            subprocess.run(
                [self.path, "image", "inspect", reference], capture_output=True, check=False
            ).returncode
            == 0
        )

    def inspect(self, reference: str) -> dict[str, object]:
        data: list[dict[str, object]] = json.loads(self("image", "inspect", reference))
        return data[0]

    @contextmanager
    def serve(self, image: str, port: int) -> Iterator[str]:
        """Run ``image`` detached, publishing ``port`` on loopback; yield its base URL."""
        container = self("run", "-d", "-p", f"127.0.0.1::{port}", image).strip()
        try:
            host_port = self("port", container, str(port)).splitlines()[0].strip()
            yield f"http://{host_port}"
        finally:
            self("rm", "-f", container, check=False)

    def save(self, reference: str, target: Path) -> Path:
        self("save", "-o", str(target), reference)
        return target


def http_get(url: str, attempts: int = 60) -> tuple[int, str]:
    """GET ``url``, retrying while the server starts (bounded: ``attempts`` x 0.25 s)."""
    last: Exception | None = None
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except OSError as exc:
            last = exc
            time.sleep(0.25)
    raise AssertionError(f"{url} did not answer: {last}")


def _unavailable(reason: str) -> None:
    if os.environ.get("FRAMEWORK_REQUIRE_ENGINE") == "1":
        pytest.fail(f"engine required but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


REGISTRY = "127.0.0.1:5000"
# Every kind of manifest a push can make: the containerd image store pushes an OCI index
# when the image has attestations, so asking for a v2 manifest alone gets a 404.
MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)


def registry_digest(registry: str, name: str, tag: str) -> str:
    """The digest the registry holds for ``name:tag`` (HEAD of its manifest)."""
    request = urllib.request.Request(
        f"http://{registry}/v2/{name}/manifests/{tag}",
        headers={"Accept": ", ".join(MANIFEST_TYPES)},
        method="HEAD",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.headers["Docker-Content-Digest"])


@pytest.fixture(scope="session")
def registry(docker: Docker) -> str:
    """The local registry that scripts/engine-up.sh starts (Debian's docker-registry)."""
    try:
        with urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=5) as response:
            response.read()
    except OSError as exc:
        _unavailable(f"no registry on {REGISTRY} ({exc}): run scripts/engine-up.sh as root")
    return REGISTRY


@pytest.fixture(scope="session")
def docker() -> Iterator[Docker]:
    engine = DockerEngine()
    try:
        engine.check()
    except EngineUnavailable as exc:
        _unavailable(f"no BuildKit-capable Docker engine: {exc.problem} (fix: {exc.fix})")
    helper = Docker(engine)
    missing = [image for image in BASE_IMAGES if not helper.exists(image)]
    if missing:
        _unavailable(f"base images {missing} missing: run scripts/engine-up.sh as root")
    yield helper
    if helper.tags:
        helper("rmi", "-f", *helper.tags, check=False)
