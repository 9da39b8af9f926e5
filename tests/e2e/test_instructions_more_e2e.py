"""volume, stopsignal and shell built on the real daemon: the image config holds them,
a container stops with the chosen signal, and a later string run runs in bash. --pull
refreshes a base from its registry, bypassing the build record, and fails clearly when
the registry cannot be reached."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from framework import Image, SilentProgress, build
from tests.e2e.conftest import Docker, cli

BASE = Image.from_("debian:bookworm-slim")


def test_volume_and_stopsignal_land_in_the_config_and_stop_the_container(docker: Docker) -> None:
    image = (
        BASE.workdir("/srv")
        .volume("/data", "cache", "/a$b")
        .stopsignal("usr1")
        # A shell that exits 0 only on SIGUSR1: `docker stop` sends it, and an exit by
        # SIGKILL after the timeout (the signal not delivered) would give 137.
        .cmd(["/bin/sh", "-c", "trap 'exit 0' USR1; while :; do sleep 0.1; done"])
    )
    tag = docker.tag("instr-volume-stop")
    build(image, tag=tag, progress=SilentProgress())
    config = docker.inspect(tag)["Config"]
    assert isinstance(config, dict)
    assert config["Volumes"] == {"/data": {}, "/srv/cache": {}, "/a$b": {}}
    assert config["StopSignal"] == "usr1"  # as given; Docker parses it at stop

    container = docker("run", "-d", tag).strip()
    try:
        assert docker("inspect", "-f", "{{.Config.StopSignal}}", container).strip() == "usr1"
        time.sleep(0.5)  # the trap is set once the shell runs
        docker("stop", "-t", "20", container)
        code = docker("inspect", "-f", "{{.State.ExitCode}}", container).strip()
        assert code == "0"
    finally:
        docker("rm", "-f", container, check=False)


def test_a_string_run_after_shell_runs_in_bash_and_the_config_records_the_shell(
    docker: Docker,
) -> None:
    image = (
        BASE.run('echo "${BASH_VERSION:-none}" > /before')
        .shell(["/bin/bash", "-c"])
        .run('echo "${BASH_VERSION:-none}" > /after')
        .cmd('echo "cmd ${BASH_VERSION:-none}"')
    )
    tag = docker.tag("instr-shell")
    build(image, tag=tag, progress=SilentProgress())
    assert docker.run(tag, "cat", "/before").strip() == "none"
    after = docker.run(tag, "cat", "/after").strip()
    assert after != "none"
    assert after[0].isdigit()  # e.g. 5.2.15(1)-release
    assert docker.run(tag).strip() == f"cmd {after}"
    config = docker.inspect(tag)["Config"]
    assert isinstance(config, dict)
    assert config["Shell"] == ["/bin/bash", "-c"]


def _pipeline(tmp_path: Path, base: str, command: str = "cat /marker > /seen") -> str:
    path = tmp_path / "pulled.py"
    path.write_text(
        "from framework import Image\n\n\n"
        "def pulled() -> Image:\n"
        f"    return Image.from_({base!r}).run({command!r})\n"
    )
    return f"{path}:pulled"


def test_pull_refreshes_a_base_from_its_registry_and_is_never_answered_from_the_record(
    docker: Docker, registry: str, tmp_path: Path
) -> None:
    ref = f"{registry}/fw-test/instr-pull-{uuid.uuid4().hex[:8]}:base"
    docker.tags.append(ref)
    old, new = docker.tag("instr-pull-old"), docker.tag("instr-pull-new")
    build(BASE.run("echo old > /marker"), tag=old, progress=SilentProgress())
    build(BASE.run("echo new > /marker"), tag=new, progress=SilentProgress())
    docker("tag", new, ref)
    docker("push", ref)
    # The digest reference the push (and the pull) leave behind, removed at the end too.
    docker.tags.append(docker("image", "inspect", "-f", "{{index .RepoDigests 0}}", ref).strip())
    docker("tag", old, ref)  # the local copy is now older than the registry's
    pipeline = _pipeline(tmp_path, ref)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    tag = docker.tag("instr-pulled")

    first = cli("build", pipeline, "-t", tag, "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert docker.run(tag, "cat", "/seen").strip() == "old"
    again = cli("build", pipeline, "-t", tag, "--json", env=env)
    assert json.loads(again.stdout)["from_record"] is True

    pulled = cli("build", pipeline, "-t", tag, "--json", "--pull", env=env)
    assert pulled.returncode == 0, pulled.stderr
    assert json.loads(pulled.stdout)["from_record"] is False
    assert docker.run(tag, "cat", "/seen").strip() == "new"


def test_pull_of_a_base_whose_registry_cannot_be_reached_fails_saying_so(
    docker: Docker, tmp_path: Path
) -> None:
    # debian:bookworm-slim is in the local store only: no public registry is reachable.
    pipeline = _pipeline(tmp_path, "debian:bookworm-slim", "echo local > /seen")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    tag = docker.tag("instr-pull-unreachable")
    local = cli("build", pipeline, "-t", tag, "--json", env=env)
    assert local.returncode == 0, local.stderr  # the local copy serves a build without pull
    result = cli("build", pipeline, "-t", tag, "--json", "--pull", env=env)
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert summary["kind"] == "build"
    assert summary["step"] == "FROM debian:bookworm-slim"
    assert summary["message"].startswith(
        "base image 'debian:bookworm-slim' could not be refreshed: pull asks its registry"
        " for it again and the registry could not be reached to pull it"
    )
    assert "build without --pull (pull=False)" in summary["message"]
    assert summary["where"].endswith("pulled.py:5")
