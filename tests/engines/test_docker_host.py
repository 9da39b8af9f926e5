"""Which daemon the docker engine talks to: ``host=`` or the client's own ``DOCKER_HOST``,
and what a user sees when nothing answers there. No daemon is needed: the address used
is a closed port on loopback."""

from __future__ import annotations

import pytest

from framework import DockerEngine, EngineUnavailable
from framework.engines.docker.client import DockerClient, find_client
from framework.images import list_images

NOBODY = "tcp://127.0.0.1:9"  # loopback's discard port: refused, nothing listens


@pytest.fixture
def client() -> DockerClient:
    try:
        return find_client()
    except EngineUnavailable as exc:
        pytest.skip(f"no BuildKit-capable docker client here: {exc.problem}")


def test_host_becomes_docker_host_and_the_rest_of_the_environment_passes_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://from-the-environment:2376")
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", "/etc/team-certs")
    client = DockerClient("/usr/bin/docker", "20.10", "native")
    inherited = client.environment()
    assert inherited["DOCKER_HOST"] == "tcp://from-the-environment:2376"
    chosen = client.environment("ssh://builder@build.internal")
    assert chosen["DOCKER_HOST"] == "ssh://builder@build.internal"
    for env in (inherited, chosen):
        assert env["DOCKER_TLS_VERIFY"] == "1"
        assert env["DOCKER_CERT_PATH"] == "/etc/team-certs"
        assert env["DOCKER_BUILDKIT"] == "1"


def test_unreachable_host_is_one_clear_error_naming_it(client: DockerClient) -> None:
    engine = DockerEngine(client=client.path, host=NOBODY)
    with pytest.raises(EngineUnavailable) as caught:
        engine.check()
    error = caught.value
    assert f"no Docker daemon answers at {NOBODY}" in error.problem
    assert f"listens at {NOBODY}" in error.fix
    assert "engine-up.sh" not in error.fix  # starting a local daemon would not help


def test_docker_host_from_the_environment_is_the_one_checked(
    client: DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", NOBODY)
    with pytest.raises(EngineUnavailable) as caught:
        DockerEngine(client=client.path).check()
    assert NOBODY in caught.value.problem


def test_image_store_functions_go_to_the_same_host(client: DockerClient) -> None:
    with pytest.raises(EngineUnavailable) as caught:
        list_images(client.path, host=NOBODY)
    assert NOBODY in caught.value.problem
    assert f"listens at {NOBODY}" in caught.value.fix
