"""Adds from URLs, built for real: a file server on loopback, ``docker build`` of a
Dockerfile's ``ADD URL`` (no checksum: Docker 20.10 cannot verify one) against the
framework's verified download of the same files, compared as trees, plus what the tree
comparison leaves out (times) and the download cache across builds."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from framework import Image, Url, build
from framework.progress import SilentProgress
from tests.e2e.conftest import Docker, cli_env
from tests.e2e.image_compare import assert_same_image
from tests.loopback_http import serve

pytestmark = pytest.mark.e2e

TOOL = b'#!/bin/sh\necho tool "$@"\n'
DATA = bytes(range(256)) * 40
MODIFIED = "Tue, 02 Jan 2024 03:04:05 GMT"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_url_is_added_as_docker_add_adds_it_and_fetched_once(
    docker: Docker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    files = {"/dl/tool.sh": (TOOL, MODIFIED), "/dl/data.bin": (DATA, None)}
    theirs, ours, again = docker.tag("add-url-docker"), docker.tag("add-url"), docker.tag("add-url")
    with serve(files) as server:
        tool, data = server.url("/dl/tool.sh"), server.url("/dl/data.bin?v=1")
        context = tmp_path / "context"
        context.mkdir()
        (context / "Dockerfile").write_text(
            "FROM debian:bookworm-slim\n"
            "WORKDIR /srv\n"
            f"ADD {tool} /opt/tool/\n"
            f"ADD --chown=1000:1000 {data} data/\n"
            f"ADD {tool} /usr/local/bin/tool\n"
        )
        built = subprocess.run(
            ["/usr/bin/docker", "build", "-q", "-t", theirs, str(context)],
            capture_output=True, text=True, env=cli_env(DOCKER_BUILDKIT="1"), timeout=600,
            check=False,
        )  # fmt: skip
        assert built.returncode == 0, built.stderr
        served_to_docker = len(server.requests)
        image = (
            Image.from_("debian:bookworm-slim")
            .workdir("/srv")
            .add(Url(tool, sha256=_sha(TOOL)), "/opt/tool/")
            .add(Url(data, sha256=_sha(DATA)), "data/", owner="1000:1000")
            .add(Url(tool, sha256=_sha(TOOL)), "/usr/local/bin/tool")
        )
        build(image, tag=ours, engine=docker.engine, progress=SilentProgress())
        # One request per distinct file: the second add of tool.sh used the kept copy.
        assert server.requests[served_to_docker:] == ["/dl/tool.sh", "/dl/data.bin?v=1"]

    assert_same_image(docker, ours, theirs)
    stat = ["stat", "-c", "%n %a %u:%g %Y %s"]
    paths = ["/opt/tool/tool.sh", "/srv/data/data.bin", "/usr/local/bin/tool"]
    assert docker.run(ours, *stat, *paths) == docker.run(theirs, *stat, *paths)
    assert docker.run(ours, *stat, *paths).splitlines() == [
        f"/opt/tool/tool.sh 600 0:0 1704164645 {len(TOOL)}",
        f"/srv/data/data.bin 600 1000:1000 0 {len(DATA)}",
        f"/usr/local/bin/tool 600 0:0 1704164645 {len(TOOL)}",
    ]
    assert docker.run(ours, "stat", "-c", "%a %u:%g", "/srv/data") == "755 1000:1000\n"
    assert docker.run(ours, "cat", "/opt/tool/tool.sh").encode() == TOOL

    # The server is gone: another pipeline naming the same checksum builds from the cache.
    other = Image.from_("debian:bookworm-slim").add(Url(tool, sha256=_sha(TOOL)), "/x/", mode=0o755)
    build(other, tag=again, engine=docker.engine, progress=SilentProgress())
    assert docker.run(again, "/x/tool.sh", "ready") == "tool ready\n"
