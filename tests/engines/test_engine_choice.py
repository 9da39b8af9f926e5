"""Choosing an engine, and what a user sees when the Dagger engine cannot be reached."""

from __future__ import annotations

import shutil

import pytest

from framework import EngineUnavailable, Image, SilentProgress, SpecError, build
from framework.engines import DaggerEngine, DockerEngine, select_engine
from framework.engines.dagger import dagger_reachable


def test_unreachable_dagger_engine_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # A CLI that does not exist: provisioning fails the way it does with no network.
    monkeypatch.setenv("_EXPERIMENTAL_DAGGER_CLI_BIN", "/nonexistent/dagger")
    with pytest.raises(EngineUnavailable) as caught:
        build(Image.from_("debian:bookworm-slim").run("true"), engine="dagger",
              progress=SilentProgress())  # fmt: skip
    error = caught.value
    assert error.engine == "dagger"
    assert "no Dagger engine could be reached or provisioned" in error.problem
    assert "engine='docker'" in error.fix
    assert "_EXPERIMENTAL_DAGGER_RUNNER_HOST" in error.fix
    assert "Traceback" not in str(error)
    assert error.__cause__ is None  # the SDK's exception is not chained into the report


def test_auto_prefers_dagger_only_when_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAGGER_SESSION_PORT", raising=False)
    monkeypatch.delenv("_EXPERIMENTAL_DAGGER_CLI_BIN", raising=False)
    if shutil.which("dagger"):
        pytest.skip("a dagger CLI is on PATH here")
    engine, reason = select_engine("auto")
    assert isinstance(engine, DockerEngine)
    assert "dagger is not reachable without a download" in reason
    monkeypatch.setenv("DAGGER_SESSION_PORT", "1234")
    engine, reason = select_engine("auto")
    assert isinstance(engine, DaggerEngine)
    assert "DAGGER_SESSION_PORT" in reason
    assert dagger_reachable() is not None


def test_unknown_engine_name_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="unknown engine 'podman'"):
        select_engine("podman")
