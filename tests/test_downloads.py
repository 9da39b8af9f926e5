"""Fetching the files add steps name from URLs, against a real HTTP server on loopback:
verified by sha256 before any engine starts, kept by checksum, failures named by step."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from framework import BuildError, Image, Url, build, compile, render
from framework.downloads import cache_dir, cached, fetch, fetch_plan
from framework.engines import DockerEngine
from framework.engines.staging import stage_context
from framework.progress import SilentProgress
from tests.loopback_http import closed_port, serve

BODY = b"#!/bin/sh\necho tool\n"
SHA = hashlib.sha256(BODY).hexdigest()
MODIFIED = "Tue, 02 Jan 2024 03:04:05 GMT"
MODIFIED_EPOCH = 1704164645


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_download_is_verified_kept_by_checksum_and_fetched_once(own_cache: Path) -> None:
    lines: list[str] = []
    with serve({"/tool.sh": (BODY, MODIFIED)}) as server:
        url = Url(server.url("/tool.sh"), sha256=SHA)
        kept = fetch(url, lines.append)
        again = fetch(url, lines.append)
    assert kept == again == own_cache / "framework" / "downloads" / "sha256" / SHA
    assert kept.read_bytes() == BODY
    assert kept.stat().st_mtime == MODIFIED_EPOCH
    assert server.requests == ["/tool.sh"]
    assert lines[-1] == f"download {url.url}: {len(BODY)} bytes, sha256 verified"
    assert not [p for p in kept.parent.iterdir() if p.name.startswith(".partial")]


def test_without_last_modified_the_time_is_the_epoch_as_with_docker() -> None:
    with serve({"/t": (BODY, None)}) as server:
        kept = fetch(Url(server.url("/t"), sha256=SHA))
    assert kept.stat().st_mtime == 0


def test_a_wrong_checksum_names_the_step_the_url_and_both_checksums() -> None:
    wrong = "0" * 64
    with serve({"/tool.sh": (BODY, MODIFIED)}) as server:
        line = sys._getframe().f_lineno + 1
        image = Image.from_("debian").add(Url(server.url("/tool.sh"), sha256=wrong), "/opt/")
        with pytest.raises(BuildError) as caught:
            fetch_plan(compile(image))
    error = caught.value
    assert error.step == f"1: ADD {server.url('/tool.sh')} -> /opt/tool.sh"
    assert error.where == f"tests/test_downloads.py:{line}"
    assert f"has sha256 {SHA}, not the {wrong}" in error.problem
    assert f"sha256='{SHA}'" in error.problem
    assert cached(Url(server.url("/tool.sh"), sha256=SHA)) is None
    assert not list((cache_dir() / "sha256").iterdir())


def test_a_server_that_is_down_or_answers_an_error_is_named() -> None:
    port = closed_port()
    with pytest.raises(BuildError) as caught:
        fetch_plan(
            compile(Image.from_("d").add(Url(f"http://127.0.0.1:{port}/t", sha256=SHA), "/t"))
        )
    assert f"fetching http://127.0.0.1:{port}/t failed: Connection refused" in caught.value.problem
    assert "check that the server is up" in caught.value.problem
    assert caught.value.step == f"1: ADD http://127.0.0.1:{port}/t -> /t"
    with serve({}) as server, pytest.raises(BuildError, match="HTTP 404 Not Found"):
        fetch(Url(server.url("/gone"), sha256=SHA))


def test_build_fails_on_a_wrong_checksum_before_any_engine_starts() -> None:
    # The engine points at a daemon that does not exist: reaching it would raise
    # EngineUnavailable, so a BuildError about the checksum proves nothing started.
    nowhere = DockerEngine(host="unix:///nonexistent/docker.sock")
    with serve({"/tool.sh": (BODY, None)}) as server:
        image = Image.from_("debian").add(Url(server.url("/tool.sh"), sha256="1" * 64), "/t")
        with pytest.raises(BuildError, match="has sha256"):
            build(image, engine=nowhere, progress=SilentProgress(), lint="off")


def test_the_cli_reports_a_failed_download_as_a_build_failure_in_json(tmp_path: Path) -> None:
    port = closed_port()
    pipeline = tmp_path / "p.py"
    pipeline.write_text(
        "from framework import Image, Url\n\n\n"
        "def p() -> Image:\n"
        f"    url = Url('http://127.0.0.1:{port}/tool', sha256='{SHA}')\n"
        "    return Image.from_('debian:bookworm-slim').add(url, '/usr/local/bin/')\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "framework", "build", f"{pipeline}:p", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
        timeout=120,
        check=False,
    )
    report = json.loads(result.stdout)
    assert result.returncode == 1, result.stderr
    assert report["kind"] == "build"
    assert report["step"] == f"1: ADD http://127.0.0.1:{port}/tool -> /usr/local/bin/tool"
    assert report["where"] == f"{pipeline}:6"
    assert "Connection refused" in report["message"]


def test_render_output_stages_the_verified_download_beside_the_dockerfile(tmp_path: Path) -> None:
    with serve({"/tool.sh": (BODY, MODIFIED)}) as server:
        url = Url(server.url("/tool.sh"), sha256=SHA)
        rendered = render(compile(Image.from_("debian").add(url, "/usr/local/bin/", mode=0o755)))
        out = tmp_path / "out"
        stage_context(rendered.context, out, link=False)
    (entry,) = rendered.context
    staged = out / entry.name
    assert staged.read_bytes() == BODY
    assert staged.stat().st_mtime == MODIFIED_EPOCH
    assert not staged.samefile(cached(url) or staged.parent)  # a copy: editing it is safe
    assert f'COPY --chmod=0755 ["{entry.name}", "/usr/local/bin/tool.sh"]' in rendered.dockerfile
