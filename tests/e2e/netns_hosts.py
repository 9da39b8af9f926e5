"""Test hosts made on this machine: each a network namespace joined to the host by a veth
pair, with a private dockerd inside listening on the namespace's address; and a registry
both reach. The only addresses involved are the ones created here (10.231.X.0/24 on the
veth pairs, 10.232.N.0/24 for each daemon's own bridge inside its namespace).

``lab(2, client)`` yields the hosts and tears everything down on exit, failure included:
daemons stopped (and any process left in a namespace killed by its id), namespaces and
veth pairs deleted, temporary directories removed. It skips with the reason when it is
not root or a tool is missing.
"""

from __future__ import annotations

import ipaddress
import os
import random
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

DAEMON_PORT = 2375
REGISTRY_PORT = 5000
BASE_IMAGE = "debian:bookworm-slim"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=check)


def _skip_unless_able() -> None:
    if os.geteuid() != 0:
        pytest.skip("test hosts need root (network namespaces, a dockerd per namespace)")
    for tool in ("ip", "dockerd", "docker-registry"):
        if shutil.which(tool) is None:
            pytest.skip(f"test hosts need {tool} on PATH")
    probe = f"fw-probe-{uuid.uuid4().hex[:6]}"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        pytest.skip(f"'ip netns add' is unavailable here: {made.stderr.strip()}")
    _ip("netns", "del", probe, check=False)


def _free_octet() -> int:
    """A third octet X such that no address or route here is inside 10.231.X.0/24."""
    used = _ip("-4", "-o", "addr").stdout + _ip("-4", "route").stdout
    free = [x for x in range(1, 255) if f"10.231.{x}." not in used]
    if not free:
        pytest.skip("no free 10.231.X.0/24 for test hosts")
    return random.choice(free)


def _cgroup_mounts() -> str:
    """Shell commands that repeat the host's cgroup mounts: ``ip netns exec`` gives the
    daemon a fresh /sys (so it sees its namespace's devices), which hides /sys/fs/cgroup."""
    commands = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        device, point, kind, options = line.split()[:4]
        if point == "/sys/fs/cgroup" or point.startswith("/sys/fs/cgroup/"):
            commands.append(
                f"mkdir -p {shlex.quote(point)} && mount -t {shlex.quote(kind)} "
                f"-o {shlex.quote(options)} {shlex.quote(device)} {shlex.quote(point)}"
            )
    return " && ".join([*commands, 'exec "$@"'])


@dataclass
class TestHost:
    """One namespace: ``address`` is its end of the veth pair, ``docker_host`` its daemon."""

    __test__ = False  # not a pytest test class

    index: int
    netns: str
    veth: str  # the host's end
    gateway: str  # the host's address on the pair
    address: str
    root: Path  # data root and log, under the lab's directory
    run: Path  # exec root, pidfile, socket: short paths (unix socket length limit)
    client: str
    process: subprocess.Popen[bytes] | None = None

    @property
    def docker_host(self) -> str:
        return f"tcp://{self.address}:{DAEMON_PORT}"

    def docker(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the docker client against this host's daemon."""
        result = subprocess.run(
            [self.client, "-H", self.docker_host, *args], capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} on {self.netns}: {result.stderr}")
        return result

    def log(self) -> str:
        path = self.root / "dockerd.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@dataclass
class Lab:
    """The test hosts and the registry (``host:port``) that every host's daemon reaches."""

    hosts: list[TestHost]
    registry: str
    directory: Path


def _link(host: TestHost) -> None:
    _ip("netns", "add", host.netns)
    inner = f"{host.veth[:-1]}n"
    _ip("link", "add", host.veth, "type", "veth", "peer", "name", inner)
    _ip("link", "set", inner, "netns", host.netns)
    _ip("addr", "add", f"{host.gateway}/30", "dev", host.veth)
    _ip("link", "set", host.veth, "up")
    inside = ("netns", "exec", host.netns, "ip")
    _ip(*inside, "addr", "add", f"{host.address}/30", "dev", inner)
    _ip(*inside, "link", "set", inner, "up")
    _ip(*inside, "link", "set", "lo", "up")


def _unlink(host: TestHost) -> None:
    # Deleting the namespace deletes its end of the pair, and so the pair.
    _ip("netns", "del", host.netns, check=False)
    _ip("link", "del", host.veth, check=False)


def _start_daemon(host: TestHost, registry: str) -> None:
    host.root.mkdir(parents=True)
    host.run.mkdir(parents=True)
    argv = [
        "dockerd", "--data-root", str(host.root / "data"), "--exec-root", str(host.run / "x"),
        "--pidfile", str(host.run / "pid"), "-H", f"unix://{host.run}/sock",
        "-H", host.docker_host, "--tls=false",
        # Its own docker0, inside its own namespace: the host's docker0 is not touched.
        "--bip", f"10.232.{host.index}.1/24",
        "--containerd-namespace", host.netns, "--containerd-plugins-namespace",
        f"{host.netns}-plugins", "--iptables=false", "--ip-forward=false",
        # With the http:// prefix, the daemon's BuildKit (20.10) also speaks plain HTTP to
        # it for cache import; without, only docker pull/push do.
        "--insecure-registry", f"http://{registry}",
    ]  # fmt: skip
    wrapped = ["ip", "netns", "exec", host.netns, "sh", "-c", _cgroup_mounts(), "sh", *argv]
    with (host.root / "dockerd.log").open("ab") as log:
        host.process = subprocess.Popen(
            wrapped, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )


def _wait_daemon(host: TestHost) -> None:
    for _ in range(120):
        if host.docker("version", check=False).returncode == 0:
            return
        if host.process is not None and host.process.poll() is not None:
            break
        time.sleep(0.5)
    raise AssertionError(f"dockerd in {host.netns} did not answer:\n{host.log()}")


def _stop_daemons(hosts: list[TestHost]) -> None:
    """Stop every host's dockerd (all at once: each takes seconds to shut down)."""
    running = [h.process for h in hosts if h.process is not None and h.process.poll() is None]
    for process in running:
        process.terminate()
    for process in running:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
    # Anything still in a namespace (a containerd or shim left by a killed daemon) was
    # started by that daemon: end it by its id.
    for host in hosts:
        for pid in _ip("netns", "pids", host.netns, check=False).stdout.split():
            with suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)


def _start_registry(lab_dir: Path, address: str) -> subprocess.Popen[bytes]:
    config = lab_dir / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        f"storage:\n  filesystem:\n    rootdirectory: {lab_dir / 'registry'}\n"
        f"http:\n  addr: {address}\n"
    )
    with (lab_dir / "registry.log").open("ab") as log:
        process = subprocess.Popen(
            ["docker-registry", "serve", str(config)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
    for _ in range(60):
        try:
            with urllib.request.urlopen(f"http://{address}/v2/", timeout=2) as response:
                response.read()
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.25)
    process.kill()
    process.wait()
    log_text = (lab_dir / "registry.log").read_text(errors="replace")[-2000:]
    raise AssertionError(f"registry on {address} did not answer:\n{log_text}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _load_base_image(lab: Lab, client: str) -> None:
    """Copy the base image from the machine's daemon into every host (in parallel)."""
    archive = lab.directory / "base.tar"
    subprocess.run([client, "save", "-o", str(archive), BASE_IMAGE], check=True, timeout=300)
    loads = []
    for host in lab.hosts:
        argv = [client, "-H", host.docker_host, "load", "-i", str(archive)]
        loads.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    for host, load in zip(lab.hosts, loads, strict=True):
        _, err = load.communicate(timeout=300)
        if load.returncode != 0:
            raise AssertionError(f"docker load into {host.netns} failed: {err.decode()}")
    archive.unlink()


def _docker0() -> str:
    """The host's docker0 as ``ip`` shows it (its addresses and state), to compare."""
    shown = _ip("-o", "addr", "show", "docker0", check=False).stdout
    return "\n".join(line.split(" valid_lft")[0] for line in shown.splitlines())


@contextmanager
def lab(count: int, client: str) -> Iterator[Lab]:
    """``count`` test hosts with a dockerd each and a registry on the first pair's host
    address, which every namespace has a route to; each daemon trusts it over plain HTTP.
    Every host holds ``debian:bookworm-slim``, copied from the machine's daemon."""
    _skip_unless_able()
    octet = _free_octet()
    tag = uuid.uuid4().hex[:4]
    docker0 = _docker0()
    with ExitStack() as cleanup:
        directory = Path(tempfile.mkdtemp(prefix=f"fw-lab-{tag}-", dir="/var/tmp"))
        cleanup.callback(shutil.rmtree, directory, ignore_errors=True)
        short = Path(tempfile.mkdtemp(prefix=f"fw{tag}", dir="/tmp"))
        cleanup.callback(shutil.rmtree, short, ignore_errors=True)
        hosts = []
        for index in range(count):
            network = ipaddress.ip_network(f"10.231.{octet}.{4 * index}/30")
            gateway, address = (str(a) for a in network.hosts())
            host = TestHost(
                index=index, netns=f"fw-e-{tag}-host{index}", veth=f"fw{tag}h{index}h",
                gateway=gateway, address=address, root=directory / f"host{index}",
                run=short / str(index), client=client,
            )  # fmt: skip
            hosts.append(host)
            cleanup.callback(_unlink, host)
            _link(host)
        registry = f"{hosts[0].gateway}:{REGISTRY_PORT}"
        for host in hosts[1:]:
            _ip("netns", "exec", host.netns, "ip", "route", "add", f"{hosts[0].gateway}/32",
                "via", host.gateway)  # fmt: skip
        result = Lab(hosts=hosts, registry=registry, directory=directory)
        registry_process = _start_registry(directory, registry)
        cleanup.callback(_stop, registry_process)
        cleanup.callback(_stop_daemons, hosts)
        for host in hosts:
            _start_daemon(host, registry)
        for host in hosts:
            _wait_daemon(host)
        _load_base_image(result, client)
        yield result
    after = _docker0()
    assert after == docker0, f"the host's docker0 changed:\n{docker0}\n->\n{after}"
