"""Lint's questions to the real daemon go through its API socket, spawning no process; a
daemon that is not on a local socket is asked through the client, and one that does not
answer leaves the rules that need it skipped."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from framework import Image
from framework.lint import DaemonFacts, lint
from tests.e2e.conftest import Docker


def _no_process(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"lint spawned a process: {args[:1]}")


def test_lint_asks_the_local_daemon_without_spawning_a_process(
    docker: Docker, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"wt-speed-lint-{docker.tag('x').rsplit(':', 1)[1]}/py"
    for tag in (f"{name}:3.11", f"{name}:3.11-slim"):
        docker("tag", "debian:bookworm-slim", tag)
        docker.tags.append(tag)
    user_tag = docker.tag("lint-api-user")
    docker("tag", "debian:bookworm-slim", user_tag)
    monkeypatch.setattr(subprocess, "Popen", _no_process)
    facts = DaemonFacts(engine=docker.engine)
    assert facts.answers
    assert facts.has_image("debian:bookworm-slim") is True
    assert facts.has_image(f"{name}:no-such-tag") is False
    assert facts.image_user("debian:bookworm-slim") == ""  # root
    assert facts.image_user(f"{name}:no-such-tag") is None
    report = lint(Image.from_(f"{name}:3.11").user("1000"))
    assert [f.rule for f in report.findings] == ["FW105"]
    assert report.skipped == ()
    assert [f.rule for f in lint(Image.from_(user_tag).cmd(["true"])).findings] == ["FW108"]


def test_a_daemon_not_on_a_local_socket_is_asked_through_the_client() -> None:
    # Nothing listens on port 9 of loopback: the client is asked, and fails quietly.
    facts = DaemonFacts(host="tcp://127.0.0.1:9")
    assert facts.answers is False
    assert facts.has_image("debian:bookworm-slim") is None
    assert facts.image_user("debian:bookworm-slim") is None
    report = lint(Image.from_("python:3.11").user("1000"), host="tcp://127.0.0.1:9")
    assert report.skipped == ("FW105",)
    assert report.findings == ()


def test_a_socket_that_does_not_answer_skips_the_daemon_rules(tmp_path: Any) -> None:
    facts = DaemonFacts(host=f"unix://{tmp_path}/none.sock")
    assert facts.answers is False
    assert facts.has_image("debian:bookworm-slim") is None
    assert facts.image_user("debian:bookworm-slim") is None
