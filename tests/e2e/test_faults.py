"""Faults: interruption, a daemon restart, a failure in one of two parallel stages."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from framework import BuildError, Image, SilentProgress, build
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import CLI, ROOT, Docker, cli, cli_env
from tests.e2e.daemons import PrivateDaemon

SLOW_PIPELINE = """
from framework import Image

def slow(nonce: str = "x", pause: int = 120) -> Image:
    return (
        Image.from_("debian:bookworm-slim")
        .run(f"echo prepared {nonce} > /prepared")
        .run(f"echo started-{nonce}; sleep {pause}; echo finished > /finished")
    )
"""


def _processes_matching(text: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if text in line and "ps -eo" not in line]


def test_sigint_mid_build_leaves_no_tag_or_processes_and_cache_is_reused(
    docker: Docker, tmp_path: Path, reliability: ReliabilityReport
) -> None:
    pipeline = tmp_path / "slow.py"
    pipeline.write_text(SLOW_PIPELINE)
    nonce, tag = uuid.uuid4().hex[:10], docker.tag("interrupted")
    with subprocess.Popen(
        [*CLI, "build", str(pipeline), "--nonce", nonce, "-t", tag, "--progress", "plain"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT, env=cli_env(),
    ) as process:  # fmt: skip
        assert process.stderr is not None
        deadline = time.monotonic() + 120
        for line in process.stderr:
            if f"started-{nonce}" in line and "|" in line:  # the step's own output: it runs
                break
            assert time.monotonic() < deadline, "the slow step never started"
        interrupted = time.monotonic()
        process.send_signal(signal.SIGINT)
        rest = process.stderr.read()
        code = process.wait(timeout=60)
    stopped_after = time.monotonic() - interrupted
    assert code == 130, rest
    assert "nothing was tagged" in rest
    assert not docker.exists(tag)
    for _ in range(40):  # BuildKit stops the step's container asynchronously
        stray = _processes_matching(f"started-{nonce}") + _processes_matching(nonce)
        if not stray:
            break
        time.sleep(0.25)
    assert stray == []

    result = cli("build", str(pipeline), "--nonce", nonce, "--pause", "0", "-t", tag, "--json")
    assert result.returncode == 0, result.stderr
    steps = json.loads(result.stdout)["steps"]
    assert steps[0]["status"] == "cached"  # the step before the interruption is reused
    assert steps[1]["status"] == "executed"
    assert docker.run(tag, "cat", "/finished") == "finished\n"
    reliability.record(
        "faults", "SIGINT during a running step (CLI)",
        f"exit 130 after {stopped_after:.1f}s, no tag, 0 stray processes; "
        "next build reused the earlier step from cache",
    )  # fmt: skip


def test_daemon_restart_between_builds(
    docker: Docker, tmp_path: Path, reliability: ReliabilityReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A private daemon, so restarting it cannot disturb builds on the shared one.
    daemon = PrivateDaemon(docker.path, tmp_path)
    daemon.start()
    try:
        daemon.load_from_shared("debian:bookworm-slim")
        monkeypatch.setenv("DOCKER_HOST", daemon.host)
        image = Image.from_("debian:bookworm-slim").run(f"echo {uuid.uuid4().hex} > /id")
        first = build(image, tag="restart:1", progress=SilentProgress())
        daemon.stop()
        daemon.start()
        second = build(image, tag="restart:1", progress=SilentProgress())
        assert second.image_id == first.image_id
        assert [s.status for s in second.steps] == ["cached"]
        assert daemon.docker("run", "--rm", "restart:1", "cat", "/id").stdout.strip()
    finally:
        daemon.close()
    reliability.record(
        "faults", "Docker daemon restarted between two builds",
        "second build succeeded; its step came from the cache kept across the restart",
    )  # fmt: skip


def test_failure_in_one_of_two_parallel_stages_names_that_stage(
    docker: Docker, reliability: ReliabilityReport
) -> None:
    nonce = uuid.uuid4().hex
    alpha = (
        Image.from_("debian:bookworm-slim")
        .named("alpha")
        .run(f"echo {nonce}; sleep 1; echo alpha-broke >&2; exit 5")
    )
    beta = Image.from_("debian:bookworm-slim").named("beta").run(f"sleep 2; echo {nonce} > /b")
    final = (
        Image.from_("debian:bookworm-slim")
        .copy(alpha / "/etc/hostname", "/a")
        .copy(beta / "/b", "/b")
    )
    tag = docker.tag("parallel")
    with pytest.raises(BuildError) as caught:
        build(final, tag=tag, progress=SilentProgress())
    assert caught.value.stage == "alpha"
    assert any("alpha-broke" in line for line in caught.value.output_tail)
    assert "exit code: 5" in caught.value.problem
    assert not docker.exists(tag)
    reliability.record(
        "faults", "failing step in one of two parallel stages",
        "reported with its stage name (alpha) and output; nothing tagged",
    )  # fmt: skip
