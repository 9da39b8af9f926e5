"""volume, stopsignal and shell built on the real daemon: the image config holds them,
a container stops with the chosen signal, and a later string run runs in bash."""

from __future__ import annotations

import time

from framework import Image, SilentProgress, build
from tests.e2e.conftest import Docker

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
    assert config["StopSignal"] == "SIGUSR1"

    container = docker("run", "-d", tag).strip()
    try:
        assert docker("inspect", "-f", "{{.Config.StopSignal}}", container).strip() == "SIGUSR1"
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
