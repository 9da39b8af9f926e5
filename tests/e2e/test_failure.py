"""A failing run step fails the build clearly and tags nothing."""

from __future__ import annotations

import inspect

import pytest

from framework import BuildError, Image, SilentProgress, build
from tests.e2e.conftest import Docker


def test_failing_step_reports_step_command_and_output_and_tags_nothing(docker: Docker) -> None:
    tag = docker.tag("fails")
    image = (
        Image.from_("debian:bookworm-slim")
        .run("echo preparing")
        .run("echo first-line; echo boom-marker >&2; exit 3")  # FAILING STEP
        .run("echo never reached")
    )
    with pytest.raises(BuildError) as caught:
        build(image, tag=tag, progress=SilentProgress())
    error = caught.value
    assert error.step is not None
    assert "echo first-line" in error.step
    assert error.step.startswith("2: RUN")
    assert error.command == "echo first-line; echo boom-marker >&2; exit 3"
    assert error.where is not None
    assert error.where.endswith(f"test_failure.py:{_line()}")
    assert any("boom-marker" in line for line in error.output_tail)
    assert "exit code: 3" in error.problem
    message = str(error)
    assert "boom-marker" in message
    assert "no tag was created" in message
    assert not docker.exists(tag)


def test_unknown_base_image_is_reported_cleanly(docker: Docker) -> None:
    tag = docker.tag("nobase")
    image = Image.from_("127.0.0.1:1/framework/does-not-exist:1").run("true")
    with pytest.raises(BuildError) as caught:
        build(image, tag=tag, progress=SilentProgress())
    assert "does-not-exist" in str(caught.value)
    assert not docker.exists(tag)


def _line() -> int:
    test = test_failing_step_reports_step_command_and_output_and_tags_nothing
    lines = inspect.getsource(test).splitlines()
    return test.__code__.co_firstlineno + next(
        i for i, text in enumerate(lines) if "FAILING STEP" in text
    )
