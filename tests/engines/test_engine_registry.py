"""Engines are found by name: one registration makes an engine known to ``build()``,
the command line, ``auto`` and the conformance suite."""

from __future__ import annotations

import pytest

from framework import EngineUnavailable, Image, SilentProgress, build
from framework.cli.main import _parser
from framework.engines import DockerEngine, registry, select_engine
from framework.engines.base import BuildRequest, BuildResult
from framework.engines.registry import EngineKind, engine_names, register


class Unreachable:
    """An engine that is registered but never answers (what a third engine looks like
    when its daemon is down)."""

    name = "third"
    checked = 0

    def check(self) -> None:
        Unreachable.checked += 1
        raise EngineUnavailable("third", "its daemon is down", fix="start it")

    async def build(self, request: BuildRequest) -> BuildResult:
        raise AssertionError("never reached: check() failed")


@pytest.fixture
def third(monkeypatch: pytest.MonkeyPatch) -> None:
    kinds = {"third": EngineKind("third", load=Unreachable, reachable=lambda: "it is here")}
    monkeypatch.setattr(registry, "_KINDS", {**kinds, **registry._KINDS})


def test_a_registered_engine_is_known_by_name_everywhere(third: None) -> None:
    assert engine_names() == ("auto", "third", "dagger", "docker")
    engine, reason = select_engine("third")
    assert isinstance(engine, Unreachable)
    assert reason == "asked for"
    engine, reason = select_engine("auto")
    assert isinstance(engine, Unreachable)
    assert reason == "auto: it is here"
    arguments = _parser().parse_args(["build", "x.py", "--engine", "third"])
    assert arguments.engine == "third"


def test_auto_falls_back_to_the_next_registered_engine(
    third: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_dagger(monkeypatch)
    found = registry.next_for_auto("third", "its daemon is down")
    assert found is not None
    engine, reason = found
    assert isinstance(engine, DockerEngine)
    assert reason == (
        "auto: third was unavailable: its daemon is down; dagger is not reachable without"
        " a download; using the Docker daemon"
    )


def no_dagger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAGGER_SESSION_PORT", raising=False)
    monkeypatch.delenv("_EXPERIMENTAL_DAGGER_CLI_BIN", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")


def test_a_name_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register(EngineKind("docker", load=DockerEngine, reachable=lambda: "x"))


def test_auto_through_build_tries_the_next_engine(
    third: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Docker is the last engine; here its daemon is a socket nobody listens on, so the
    # build ends in docker's own EngineUnavailable after auto gave up on "third".
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    no_dagger(monkeypatch)
    Unreachable.checked = 0
    with pytest.raises(EngineUnavailable) as caught:
        build(Image.from_("debian").run("true"), engine="auto", progress=SilentProgress())
    assert Unreachable.checked == 1
    assert caught.value.engine == "docker"
