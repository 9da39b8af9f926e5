"""Which daemon the API module speaks to: a local unix socket, or none (the client then)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framework.docker_api import DaemonAPI, DaemonAPIError, local_socket


@pytest.fixture(autouse=True)
def _no_docker_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DOCKER_HOST", "DOCKER_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))


def test_default_is_the_standard_socket() -> None:
    assert local_socket() == "/var/run/docker.sock"


def test_unix_hosts_name_their_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    assert local_socket("unix:///run/other.sock") == "/run/other.sock"
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/env.sock")
    assert local_socket() == "/run/env.sock"


@pytest.mark.parametrize("host", ["tcp://build:2376", "ssh://user@build", "npipe:////./pipe/x"])
def test_remote_hosts_have_no_local_socket(host: str) -> None:
    assert local_socket(host) is None


def test_a_docker_context_leaves_it_to_the_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONTEXT", "remote")
    assert local_socket() is None
    monkeypatch.setenv("DOCKER_CONTEXT", "default")
    assert local_socket() == "/var/run/docker.sock"
    monkeypatch.delenv("DOCKER_CONTEXT")
    config = tmp_path / "docker-config"
    config.mkdir()
    (config / "config.json").write_text(json.dumps({"currentContext": "remote"}))
    assert local_socket() is None


def test_a_missing_socket_is_an_api_error(tmp_path: Path) -> None:
    with DaemonAPI(str(tmp_path / "none.sock")) as api, pytest.raises(DaemonAPIError):
        api.ping()
