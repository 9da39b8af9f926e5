"""Healthchecks build on Docker 20.10 and land in the image config exactly as declared."""

from __future__ import annotations

from framework import Image, SilentProgress, build
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker


def test_default_and_shell_form_healthchecks_are_exactly_what_was_declared(
    docker: Docker, reliability: ReliabilityReport
) -> None:
    base = Image.from_("debian:bookworm-slim")
    default = docker.tag("wt-c-health-default")
    build(base.healthcheck(["/bin/true"]), tag=default, progress=SilentProgress())
    config = docker.inspect(default)["Config"]
    assert isinstance(config, dict)
    # Nothing given, nothing set: no interval, timeout, start period or retries.
    assert config["Healthcheck"] == {"Test": ["CMD", "/bin/true"]}

    script = """test -f /etc/os-release && echo "ok $HOME" 'a\\b' || exit 1"""
    shell = docker.tag("wt-c-health-shell")
    build(base.healthcheck(script, interval=1.5, retries=2), tag=shell, progress=SilentProgress())
    config = docker.inspect(shell)["Config"]
    assert isinstance(config, dict)
    assert config["Healthcheck"] == {
        "Test": ["CMD-SHELL", script],
        "Interval": 1_500_000_000,
        "Retries": 2,
    }
    reliability.record(
        "config", "healthcheck with defaults, and shell form with two options",
        "built on Docker 20.10; image config holds exactly the options given, CMD-SHELL verbatim",
    )  # fmt: skip
