"""``build()`` checks what it can before any engine starts."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from framework import (
    EngineUnavailable,
    Image,
    PlainProgress,
    Secret,
    SilentProgress,
    SpecError,
    build,
)


def test_missing_secret_source_fails_before_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FW_ABSENT_SECRET", raising=False)
    # No daemon answers at this address: an engine check would raise EngineUnavailable.
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    image = Image.from_("debian:bookworm-slim").run(
        "true", secrets=[Secret.env("FW_ABSENT_SECRET").as_env("TOKEN")]
    )
    with pytest.raises(SpecError) as caught:
        build(image, progress=SilentProgress())
    assert "FW_ABSENT_SECRET" in caught.value.problem
    assert "export FW_ABSENT_SECRET" in caught.value.fix


def test_missing_secret_file_fails_before_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    image = Image.from_("debian:bookworm-slim").run(
        "true", secrets=[Secret.file(tmp_path / "nope").as_file("/run/secrets/nope")]
    )
    with pytest.raises(SpecError, match="does not exist"):
        build(image, progress=SilentProgress())


def test_push_without_tag_is_refused() -> None:
    with pytest.raises(SpecError, match="no tag to push"):
        build(Image.from_("debian:bookworm-slim"), push=True, progress=SilentProgress())


@pytest.mark.parametrize(
    ("call", "message", "fix"),
    [
        (
            lambda i: i.run("true", netwrk=False),
            "unexpected keyword argument 'netwrk'",
            "'network'",
        ),
        (lambda i: i.copy("a"), "missing a required argument: 'dest'", "source, dest, owner"),
        (lambda i: i.expose(80, protocl="udp"), "'protocl'", "'protocol'"),
        (lambda i: i.workdir(), "missing a required argument: 'path'", "path"),
    ],
)
def test_unknown_or_missing_options_are_spec_errors(
    call: Callable[[Image], Image], message: str, fix: str
) -> None:
    with pytest.raises(SpecError) as caught:
        call(Image.from_("debian:bookworm-slim"))
    assert message in caught.value.problem
    assert fix in caught.value.fix
    assert caught.value.where is not None
    assert caught.value.where.endswith(f"test_build.py:{call.__code__.co_firstlineno}")


def test_auto_falls_back_to_docker_when_dagger_cannot_be_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A Dagger session that does not answer makes auto choose Dagger and fail to connect;
    # with no Docker daemon either, the fallback's own check reports docker.
    monkeypatch.setenv("DAGGER_SESSION_PORT", "1")
    monkeypatch.setenv("DAGGER_SESSION_TOKEN", "unused")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    log = io.StringIO()
    with pytest.raises(EngineUnavailable) as caught:
        build(Image.from_("debian:bookworm-slim"), engine="auto", progress=PlainProgress(log))
    assert caught.value.engine == "docker"
    assert "with engine dagger (auto: a Dagger session is open" in log.getvalue()
