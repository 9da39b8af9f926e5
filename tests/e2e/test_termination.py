"""SIGTERM cancels like Ctrl-C and exits 143; SIGKILL leaves no client holding the cache;
secret values are written nowhere the engine can avoid, and never left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import ReliabilityReport
from tests.e2e.conftest import CLI, ROOT, Docker, cli_env

PIPELINE = """
from framework import CacheMount, Image, Secret

def slow(nonce: str = "x", pause: int = 120) -> Image:
    return Image.from_("debian:bookworm-slim").run(
        f"echo started-{nonce}; test -n \\"$TOKEN\\"; sleep {pause}; echo finished",
        cache=CacheMount(target="/wt-c-signals-cache", sharing="locked"),
        secrets=[Secret.env("WT_C_SIGNAL_TOKEN").as_env("TOKEN")],
    )
"""

SCRIPT = (
    PIPELINE
    + """
if __name__ == "__main__":
    import sys
    from framework import DockerEngine, build
    from framework.engines.docker.client import DockerClient

    engine = DockerEngine()
    if sys.argv[3] == "file":  # an older client, which reads secrets from a file
        engine._client = DockerClient(engine.client.path, "19.03", "native")
    build(slow(sys.argv[1], int(sys.argv[4])), tag=sys.argv[2], engine=engine)
"""
)


def _stray(nonce: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if nonce in line and "ps -eo" not in line]


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (the docker client, through its launcher)."""
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return [int(word) for word in out.stdout.split()]


def _alive_within(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while True:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and not _zombie(p)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _no_stray_within(nonce: str, seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := _stray(nonce)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@contextmanager
def _running(argv: list[str], nonce: str, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """Start ``argv``; yield once the slow step prints, output still being read."""
    with subprocess.Popen(
        argv, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env
    ) as process:
        assert process.stderr is not None
        deadline = time.monotonic() + 120
        for line in process.stderr:
            if f"started-{nonce}" in line and "|" in line:
                break
            assert time.monotonic() < deadline, "the slow step never started"
        yield process


def _secret_files(value: str, roots: list[Path]) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        for directory, _dirs, files in os.walk(root):
            for name in files:
                path = Path(directory) / name
                try:
                    if value.encode() in path.read_bytes():
                        found.append(path)
                except OSError:
                    pass
    return found


def test_sigterm_in_the_cli_cancels_tags_nothing_and_exits_143(
    docker: Docker, tmp_path: Path, reliability: ReliabilityReport
) -> None:
    pipeline = tmp_path / "slow.py"
    pipeline.write_text(PIPELINE)
    nonce, tag, value = uuid.uuid4().hex[:10], docker.tag("wt-c-term"), uuid.uuid4().hex
    env = cli_env(WT_C_SIGNAL_TOKEN=value, TMPDIR=str(tmp_path))
    argv = [*CLI, "build", str(pipeline), "--nonce", nonce, "-t", tag, "--progress", "plain"]
    with _running(argv, nonce, env) as process:
        # The client holds the value in its environment only: no file anywhere has it.
        assert _secret_files(value, [tmp_path, Path("/dev/shm")]) == []
        clients = _children(process.pid)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=60)
    stopped_after = time.monotonic() - signalled
    assert process.returncode == 143, rest
    assert _alive_within(clients, 5) == []
    assert "terminated (SIGTERM): the build was cancelled before it made an image" in rest
    assert "Traceback" not in rest
    assert not docker.exists(tag)
    assert _no_stray_within(nonce, 10) == []
    reliability.record(
        "faults", "SIGTERM during a running step (CLI)",
        f"exit 143 with a message after {stopped_after:.1f}s, no tag, 0 stray processes; "
        "the secret was in no file (client environment only)",
    )  # fmt: skip


def test_sigterm_in_a_script_exits_143_and_removes_the_secret_file(
    docker: Docker, tmp_path: Path, reliability: ReliabilityReport
) -> None:
    script = tmp_path / "slow.py"
    script.write_text(SCRIPT)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    nonce, tag, value = uuid.uuid4().hex[:10], docker.tag("wt-c-term-script"), uuid.uuid4().hex
    env = cli_env(WT_C_SIGNAL_TOKEN=value, XDG_RUNTIME_DIR=str(runtime))
    argv = [sys.executable, str(script), nonce, tag, "file", "120"]
    with _running(argv, nonce, env) as process:
        (secret_file,) = _secret_files(value, [runtime])  # the fallback: a private file
        assert secret_file.parent.name.startswith(f"framework-secrets-{process.pid}-")
        assert secret_file.stat().st_mode & 0o777 == 0o600
        clients = _children(process.pid)
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=60)
    assert process.returncode == 143, rest
    assert _alive_within(clients, 5) == []
    assert "terminated (SIGTERM)" in rest
    assert "Traceback" not in rest
    assert list(runtime.iterdir()) == []
    assert not docker.exists(tag)
    assert _no_stray_within(nonce, 10) == []
    reliability.record(
        "faults", "SIGTERM during a running step (pipeline script, file-secret client)",
        "exit 143 with one line, no traceback, no tag, 0 stray processes; "
        "the 0600 secret file and its directory were removed",
    )  # fmt: skip


def test_sigkill_takes_the_client_down_and_the_next_build_does_not_wait(
    docker: Docker, tmp_path: Path, reliability: ReliabilityReport
) -> None:
    script = tmp_path / "slow.py"
    script.write_text(SCRIPT)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    staging = tmp_path / "staging"
    staging.mkdir()
    nonce, value = uuid.uuid4().hex[:10], uuid.uuid4().hex
    env = cli_env(WT_C_SIGNAL_TOKEN=value, XDG_RUNTIME_DIR=str(runtime), TMPDIR=str(staging))
    argv = [sys.executable, str(script), nonce, docker.tag("wt-c-kill"), "file", "120"]
    with _running(argv, nonce, env) as process:
        clients = _children(process.pid)
        assert any(b"docker" in Path(f"/proc/{p}/cmdline").read_bytes() for p in clients)
        process.kill()
        process.wait(timeout=10)
    assert _alive_within(clients, 5) == []  # the docker client died with the build
    assert _no_stray_within(nonce, 5) == []  # and so did the step's processes
    assert len(_secret_files(value, [runtime])) == 1  # a killed build cannot clean up ...
    assert len(list(staging.iterdir())) == 1

    # ... the next build sweeps it, and gets the cache mount at once.
    started = time.monotonic()
    again = subprocess.run(
        [sys.executable, str(script), nonce + "-again", docker.tag("wt-c-kill"), "file", "0"],
        env=env, capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )  # fmt: skip
    waited = time.monotonic() - started
    assert again.returncode == 0, again.stderr
    assert waited < 60, f"the next build waited {waited:.0f}s for the cache mount"
    assert _secret_files(value, [runtime]) == []
    assert list(staging.iterdir()) == []
    reliability.record(
        "faults", "SIGKILL of the build during a step using a locked cache mount",
        f"no docker client or step process left; the next build of that step took "
        f"{waited:.1f}s (no wait for the lock) and swept the killed build's secret file "
        "and staging directory",
    )  # fmt: skip
