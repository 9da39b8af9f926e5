"""Secret values reach the docker client through its environment, else a private file."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from framework.engines.docker.client import DockerClient
from framework.engines.docker.leftovers import sweep_stale
from framework.engines.docker.secrets import PREFIX, private_root, secret_sources

NATIVE_2010 = DockerClient("/usr/bin/docker", "20.10", "native")
NATIVE_1903 = DockerClient("/usr/bin/docker", "19.03", "native")
BUILDX = DockerClient("/usr/bin/docker", "28.0", "buildx")


@pytest.fixture
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "runtime"
    root.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(root))
    return root


@pytest.mark.parametrize("client", [NATIVE_2010, BUILDX])
def test_env_capable_clients_get_values_in_the_environment_and_no_file(
    client: DockerClient, runtime_dir: Path
) -> None:
    with secret_sources(client, {"token": b"s3cret", "netrc.txt": b"machine x"}) as sources:
        assert sources.argv == (
            "--secret", "id=token,env=FRAMEWORK_SECRET_0",
            "--secret", "id=netrc.txt,env=FRAMEWORK_SECRET_1",
        )  # fmt: skip
        assert dict(sources.env) == {
            "FRAMEWORK_SECRET_0": "s3cret",
            "FRAMEWORK_SECRET_1": "machine x",
        }
        assert list(runtime_dir.iterdir()) == []
    assert "s3cret" not in repr(sources)


def test_older_clients_get_a_private_file_removed_afterwards(runtime_dir: Path) -> None:
    with secret_sources(NATIVE_1903, {"token": b"s3cret"}) as sources:
        (directory,) = runtime_dir.iterdir()
        assert directory.name.startswith(f"framework-secrets-{os.getpid()}-")
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        file = directory / "token"
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert file.read_bytes() == b"s3cret"
        assert sources.argv == ("--secret", f"id=token,src={file}")
        assert dict(sources.env) == {}
    assert list(runtime_dir.iterdir()) == []


def test_the_file_is_removed_when_the_build_fails_or_is_interrupted(runtime_dir: Path) -> None:
    def build(interruption: BaseException) -> None:
        with secret_sources(NATIVE_1903, {"t": b"v"}):
            assert len(list(runtime_dir.iterdir())) == 1
            raise interruption

    for interruption in (RuntimeError("step failed"), KeyboardInterrupt()):
        with pytest.raises(type(interruption)):
            build(interruption)
        assert list(runtime_dir.iterdir()) == []


def test_binary_values_go_through_a_file_even_for_env_capable_clients(runtime_dir: Path) -> None:
    with secret_sources(NATIVE_2010, {"key": b"\xff\x00binary"}) as sources:
        assert sources.argv[1].startswith("id=key,src=")
        assert dict(sources.env) == {}


def test_directories_of_dead_builds_are_swept_at_the_next_start(runtime_dir: Path) -> None:
    dead_pid = subprocess.Popen(["true"])
    dead_pid.wait()
    stale = runtime_dir / f"framework-secrets-{dead_pid.pid}-abc"
    stale.mkdir(mode=0o700)
    (stale / "token").write_bytes(b"left by a killed build")
    live = runtime_dir / f"framework-secrets-{os.getpid()}-def"
    live.mkdir(mode=0o700)
    unrelated = runtime_dir / "something-else"
    unrelated.mkdir()
    with secret_sources(NATIVE_2010, {}):
        pass
    assert sorted(p.name for p in runtime_dir.iterdir()) == sorted([live.name, unrelated.name])
    assert sweep_stale(runtime_dir, PREFIX) == []


def test_private_root_prefers_a_ram_backed_directory(
    runtime_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert private_root() == runtime_dir
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    if os.path.isdir("/dev/shm"):
        assert private_root() == Path("/dev/shm")
