"""Private Docker daemons for tests that must not disturb the shared one (restarts,
pruned caches, empty stores): each has its own data root, exec root and socket."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest


def _container_range() -> str:
    """A slice of docker0's subnet for the private daemon's containers (no overlap with
    the shared daemon, which allocates from the start of the subnet)."""
    out = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "docker0"], capture_output=True, text=True, check=False
    ).stdout.split()
    if "inet" not in out:
        pytest.skip("docker0 has no IPv4 address to share with a private daemon")
    network = ipaddress.ip_interface(out[out.index("inet") + 1]).network
    if network.prefixlen > 20:
        pytest.skip(f"docker0's subnet {network} is too small to share")
    return str(list(network.subnets(new_prefix=network.prefixlen + 4))[-1])


def _dockerd() -> str | None:
    """The daemon under test: ``$FRAMEWORK_DOCKERD`` (set with the matrix's daemons),
    else the ``dockerd`` on PATH."""
    return os.environ.get("FRAMEWORK_DOCKERD") or shutil.which("dockerd")


class PrivateDaemon:
    """``start()``/``stop()`` a dockerd over one data root, so a restart keeps its state.

    It is the same dockerd as the daemon under test, with the same image store, so what
    it builds (and the cache it imports) is what that daemon would build.
    """

    def __init__(self, client: str, root: Path) -> None:
        dockerd = _dockerd()
        if os.geteuid() != 0 or dockerd is None:
            pytest.skip("a private Docker daemon needs root and dockerd")
        self.dockerd = dockerd
        self.client = client
        self.root = root
        self.short = Path(f"/tmp/fw-d-{uuid.uuid4().hex[:6]}")  # socket paths stay short
        self.host = f"unix://{self.short}/docker.sock"
        self.cidr = _container_range()
        status = subprocess.run(
            [client, "info", "--format", "{{json .DriverStatus}}"],
            capture_output=True, text=True, timeout=60, check=False,
        ).stdout  # fmt: skip
        self.containerd_store = "io.containerd.snapshotter" in status
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.short.mkdir(exist_ok=True)
        log = self.root / "dockerd.log"
        config = self.root / "daemon.json"
        features = {"containerd-snapshotter": True} if self.containerd_store else {}
        config.write_text(json.dumps({"features": features}))
        # --bridge=none would make this dockerd delete docker0 under the shared daemon;
        # it shares docker0 with its own address range instead.
        argv = [
            self.dockerd, "--config-file", str(config), "--data-root", str(self.root / "data"),
            "--exec-root", str(self.short / "exec"), "--pidfile", str(self.short / "pid"),
            "-H", self.host, "--bridge=docker0", f"--fixed-cidr={self.cidr}",
            "--iptables=false", "--ip-masq=false",
        ]  # fmt: skip
        # Its own helpers (docker-proxy, docker-init) come first; containerd and runc
        # may be the host's.
        path = os.pathsep.join([str(Path(self.dockerd).parent), os.environ.get("PATH", "")])
        with log.open("a") as log_file:
            self._process = subprocess.Popen(
                argv, stdout=subprocess.DEVNULL, stderr=log_file, env={**os.environ, "PATH": path}
            )
        for _ in range(120):
            if self.docker("info", check=False).returncode == 0:
                return
            time.sleep(0.5)
        self.stop()
        pytest.fail("private dockerd did not start:\n" + log.read_text()[-3000:])

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=120)
            self._process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.short, ignore_errors=True)

    def docker(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.client, "-H", self.host, *args], capture_output=True, text=True,
            timeout=300, check=check,
        )  # fmt: skip

    def load_from_shared(self, image: str) -> None:
        """Copy ``image`` from the shared daemon's store into this one."""
        saved = subprocess.run(
            [self.client, "save", image], capture_output=True, check=True, timeout=300
        ).stdout
        subprocess.run(
            [self.client, "-H", self.host, "load"], input=saved, capture_output=True,
            check=True, timeout=300,
        )  # fmt: skip
