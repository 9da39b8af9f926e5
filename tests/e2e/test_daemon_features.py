"""What depends on the daemon under test, checked on that daemon (run once per daemon).

Docker 20.10 (BuildKit 0.8, native client), Docker 26 + buildx with the classic image
store, and with the containerd image store: ids stay stable, newer syntax is used where
the daemon has it and refused clearly where it does not, and nothing leaks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from framework import Context, EngineUnavailable, Image, Inline, SilentProgress, build
from framework.engines.docker.capabilities import Capabilities
from tests.e2e.conftest import Docker, registry_digest


@pytest.fixture
def caps(docker: Docker) -> Capabilities:
    return docker.engine.capabilities


def test_rebuild_of_an_unchanged_pipeline_gives_the_same_inspectable_id(
    docker: Docker, tmp_path: Path
) -> None:
    (tmp_path / "app.txt").write_text("app\n")
    image = (
        Image.from_("debian:bookworm-slim")
        .copy(Context(tmp_path) / "app.txt", "/app/")
        .run(f"echo {uuid.uuid4().hex} > /nonce")
        .env(MODE="x")
        .label(purpose="rebuild")
    )
    tag = docker.tag("rebuild")
    first = build(image, tag=tag, progress=SilentProgress())
    second = build(image, tag=tag, progress=SilentProgress())
    assert second.image_id == first.image_id
    assert docker.inspect(tag)["Id"] == first.image_id
    assert docker.inspect(first.image_id)["Id"] == first.image_id  # the id itself resolves
    untagged = build(image, progress=SilentProgress())  # no tag: the id is still read
    assert untagged.image_id == first.image_id


def test_network_false_runs_without_network_or_is_refused_naming_the_daemon(
    docker: Docker, caps: Capabilities
) -> None:
    image = Image.from_("debian:bookworm-slim").run(
        f"ls /sys/class/net > /interfaces # {uuid.uuid4().hex}", network=False
    )
    tag = docker.tag("no-network")
    if not caps.network_none:
        with pytest.raises(EngineUnavailable) as caught:
            build(image, tag=tag, progress=SilentProgress())
        assert f"Docker {caps.daemon}" in caught.value.problem
        assert "Docker 23" in caught.value.problem
        assert "test_daemon_features.py" in caught.value.problem  # where it was declared
        assert not docker.exists(tag)
        return
    build(image, tag=tag, progress=SilentProgress())
    assert docker.run(tag, "cat", "/interfaces").split() == ["lo"]


def test_multiline_env_and_label_values_are_exact_and_do_not_leak(docker: Docker) -> None:
    message, note = "line one\nline two $HOME", "a\r\nb"
    image = (
        Image.from_("debian:bookworm-slim")
        .env(MESSAGE=message)
        .label({"org.example.note": note})
        .run(f"env > /seen-env # {uuid.uuid4().hex}")
    )
    tag = docker.tag("multiline")
    build(image, tag=tag, progress=SilentProgress())
    config = docker.inspect(tag)["Config"]
    assert isinstance(config, dict)
    assert f"MESSAGE={message}" in config["Env"]
    assert config["Labels"]["org.example.note"] == note
    # The step after sees exactly the image's environment: MESSAGE, and no carrier.
    base = docker.inspect("debian:bookworm-slim")["Config"]
    assert isinstance(base, dict)
    seen = docker.run(tag, "cat", "/seen-env")
    names = {line.split("=", 1)[0] for line in seen.splitlines() if "=" in line}
    expected = {e.split("=", 1)[0] for e in base["Env"]} | {"MESSAGE", "HOME", "HOSTNAME"}
    assert names - expected <= {"PWD", "SHLVL", "_"}, names - expected
    history = docker("history", "--no-trunc", "--format", "{{json .CreatedBy}}", tag)
    created_by = [json.loads(line) for line in history.splitlines()]
    (run,) = [line for line in created_by if line.startswith("RUN") and "/seen-env" in line]
    assert run.startswith("RUN /bin/sh -c env")  # no "|1 NAME=value" build-argument prefix
    # The value is in history only where it is set (as in the config), under its own name.
    holding = sorted(line.split("=", 1)[0] for line in created_by if "line one" in line)
    assert holding in (["ARG MESSAGE", "ENV MESSAGE"], ["ENV MESSAGE"]), holding


def test_context_bytes_is_what_was_staged_every_time(docker: Docker, tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(os.urandom(5000))
    image = (
        Image.from_("debian:bookworm-slim")
        .copy(Context(tmp_path) / "data.bin", "/data.bin")
        .copy(Inline("12345\n"), "/inline.txt")
    )
    tag = docker.tag("context-bytes")
    first = build(image, tag=tag, progress=SilentProgress())
    docker("rmi", tag)  # so that the build record does not answer the next build
    second = build(image, tag=tag, progress=SilentProgress())  # BuildKit sends ~nothing
    assert first.context_bytes == second.context_bytes == 5006
    third = build(image, tag=tag, progress=SilentProgress())  # the record: nothing staged
    assert third.from_record
    assert third.context_bytes == 0


def test_scratch_and_stage_based_steps_are_reported(docker: Docker) -> None:
    nonce = uuid.uuid4().hex
    builder = (
        Image.from_("debian:bookworm-slim")
        .named("builder")
        .run(f"mkdir -p /out && echo {nonce} > /out/a && echo b > /out/b")
    )
    child = Image.from_(builder).run(f"echo child-{nonce} > /out/c")
    final = (
        Image.scratch()
        .copy(child / "/out/a", "/a")
        .copy(builder / "/out/b", "/b")
        .copy(child / "/out/c", "/c")
    )
    tag = docker.tag("scratch-steps")
    result = build(final, tag=tag, progress=SilentProgress())
    statuses = [(s.stage, s.index, s.status) for s in result.steps]
    assert [s for s in statuses if s[2] == "unknown"] == []
    assert [s[2] for s in statuses if s[0] == result.steps[-1].stage] == ["executed"] * 3
    again = build(final, tag=tag, progress=SilentProgress())
    assert {s.status for s in again.steps} == {"cached"}


def test_attestations_are_made_when_asked_or_refused_naming_the_daemon(
    docker: Docker, caps: Capabilities, registry: str
) -> None:
    image = Image.from_("debian:bookworm-slim").run(f"echo {uuid.uuid4().hex} > /id")
    name = f"fw-test/attest-{uuid.uuid4().hex[:8]}"
    reference = f"{registry}/{name}:1"
    docker.tags.append(reference)
    if "provenance" not in caps.attestations:
        with pytest.raises(EngineUnavailable) as caught:
            build(image, tag=reference, attest=["provenance"], progress=SilentProgress())
        assert caps.describe() in caught.value.problem
        return
    plain = build(image, tag=docker.tag("attest-plain"), progress=SilentProgress())
    attested = build(
        image, tag=reference, attest=["provenance"], push=True, progress=SilentProgress()
    )
    assert attested.image_id != plain.image_id  # an index with the attestation
    assert docker.inspect(reference)["Id"] == attested.image_id
    (pushed,) = attested.pushed
    assert pushed.endswith("@" + registry_digest(registry, name, "1"))


@pytest.fixture
def other_builder_selected(
    docker: Docker, caps: Capabilities, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A docker-container builder made current with ``buildx use``, in a private copy of
    the client configuration (the shared one stays untouched). Creating it pulls
    nothing: moby/buildkit would only be pulled when it is first used."""
    if caps.client_mode != "buildx":
        pytest.skip(f"{docker.path} is not a buildx client: it always uses the daemon")
    config = tmp_path / "docker-config"
    config.mkdir()
    source = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    if (source / "cli-plugins").exists():
        shutil.copytree(source / "cli-plugins", config / "cli-plugins", symlinks=True)
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    name = f"fw-d2-{uuid.uuid4().hex[:6]}"
    for args in (["create", "--name", name, "--driver", "docker-container"], ["use", name]):
        subprocess.run([docker.path, "buildx", *args], check=True, capture_output=True)
    current = subprocess.run(
        [docker.path, "buildx", "inspect"], check=True, capture_output=True, text=True
    ).stdout  # without a name: the builder a plain `buildx build` would use
    assert current.splitlines()[0].split() == ["Name:", name], current
    try:
        yield name
    finally:
        subprocess.run([docker.path, "buildx", "rm", name], check=False, capture_output=True)


def test_builds_use_the_daemons_own_builder_when_another_is_selected(
    docker: Docker, other_builder_selected: str
) -> None:
    image = Image.from_("debian:bookworm-slim").run(f"echo {uuid.uuid4().hex} > /id")
    tag = docker.tag("builder")
    result = build(image, tag=tag, progress=SilentProgress())  # a new engine: detects again
    assert docker.inspect(tag)["Id"] == result.image_id  # built where the base image is
