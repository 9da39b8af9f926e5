"""The docker engine refuses a client that would use the legacy builder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from framework import DockerEngine, LegacyBuilderError
from framework.engines.docker.client import probe


def _legacy_clients() -> list[str]:
    paths = [str(Path(d) / "docker") for d in os.environ.get("PATH", "").split(os.pathsep)]
    found = [p for p in dict.fromkeys(paths) if shutil.which(p)]
    return [p for p in found if isinstance(probe(p), str) and "legacy builder" in str(probe(p))]


def test_legacy_client_is_refused_with_a_fix() -> None:
    legacy = _legacy_clients()
    if not legacy:
        pytest.skip("no docker client without BuildKit support on PATH to test against")
    engine = DockerEngine(client=legacy[0])
    with pytest.raises(LegacyBuilderError) as caught:
        engine.check()
    message = str(caught.value)
    assert "legacy builder" in message
    assert "buildx" in message
    assert "/usr/bin/docker" in message


def test_auto_detection_skips_the_legacy_client() -> None:
    legacy = _legacy_clients()
    if not legacy:
        pytest.skip("no docker client without BuildKit support on PATH to test against")
    if not shutil.which("/usr/bin/docker"):
        pytest.skip("no BuildKit-capable client installed (run scripts/engine-up.sh)")
    chosen = DockerEngine().client
    assert chosen.path not in legacy
    assert chosen.mode in {"buildx", "native"}
