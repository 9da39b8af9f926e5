"""What the Docker daemon (and the client driving it) can build: detected once per engine.

The Dockerfile frontend is the daemon's (no ``# syntax=`` image can be pulled), so the
daemon's version decides the syntax; BuildKit's version follows from it (Debian's
builds report ``v0.0.0+unknown`` to ``buildx inspect``). The client decides the rest:
only buildx can turn attestations off or on, and name a builder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Literal

from framework._dataclass import dataclass
from framework.engines.docker.client import DockerClient, daemon_fix
from framework.errors import EngineUnavailable
from framework.render.features import Features
from framework.spec.platforms import platform_of_machine

__all__ = ["ATTESTATIONS", "Attestation", "Capabilities", "detect"]

Attestation = Literal["provenance", "sbom"]
ATTESTATIONS: tuple[Attestation, ...] = ("provenance", "sbom")

# The BuildKit each Docker release vendors (docs.docker.com release notes).
_BUILDKIT_OF_DOCKER = {20: (0, 8), 23: (0, 10), 24: (0, 11), 25: (0, 12), 26: (0, 13),
                       27: (0, 15), 28: (0, 20), 29: (0, 25)}  # fmt: skip
_VERSION = re.compile(r"^(\d+)\.(\d+)")


def _buildkit_of(daemon: tuple[int, int]) -> tuple[int, int]:
    known = [major for major in _BUILDKIT_OF_DOCKER if major <= daemon[0]]
    return _BUILDKIT_OF_DOCKER[max(known)] if known else (0, 0)


@dataclass(frozen=True)
class Capabilities:
    """One daemon and client: versions, image store, and the builder buildx must use.

    ``builder`` is the daemon's own (``docker`` driver) builder for the current context,
    named on every ``buildx build`` so that a ``docker-container`` builder chosen with
    ``docker buildx use`` (which cannot see local base images) is never used.
    """

    daemon: str
    daemon_version: tuple[int, int]
    client_mode: Literal["buildx", "native"]
    containerd_store: bool = False
    builder: str | None = None
    buildx: tuple[int, int] | None = None
    platform: str | None = None
    """The daemon's own platform (``linux/amd64``), where it says."""

    @property
    def buildkit(self) -> tuple[int, int]:
        return _buildkit_of(self.daemon_version)

    @property
    def network_none(self) -> bool:
        """``RUN --network=none``: the daemon's frontend has it from Docker 23."""
        return self.daemon_version >= (23, 0)

    @property
    def tmpfs_size(self) -> bool:
        """``RUN --mount=type=tmpfs,size=``: the daemon's frontend has it from Docker 23
        (Docker 20.10's refuses the key)."""
        return self.daemon_version >= (23, 0)

    @property
    def source_date_epoch(self) -> bool:
        """BuildKit 0.11+ sets the config's and history's times from SOURCE_DATE_EPOCH."""
        return self.buildkit >= (0, 11)

    @property
    def attestations(self) -> tuple[Attestation, ...]:
        """What can be attached: buildx stores attestations only in the containerd image
        store (the classic store drops them)."""
        return ATTESTATIONS if self.attestation_flags and self.containerd_store else ()

    @property
    def attestation_flags(self) -> bool:
        """buildx 0.10+ has ``--provenance``/``--sbom`` (and adds provenance by default);
        older buildx makes no attestations, so it needs no flags to turn them off."""
        return self.buildx is not None and self.buildx >= (0, 10)

    @property
    def features(self) -> Features:
        """The Dockerfile syntax the daemon's frontend accepts."""
        return Features(copy_link=self.daemon_version >= (23, 0))

    def describe(self) -> str:
        """``Docker 26.1.5 (BuildKit 0.13, containerd image store, buildx)``."""
        store = "containerd" if self.containerd_store else "classic"
        kit = ".".join(map(str, self.buildkit))
        return f"Docker {self.daemon} (BuildKit {kit}, {store} image store, {self.client_mode})"


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=60, check=False, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return subprocess.CompletedProcess(argv, 127, "", str(exc))


def _unavailable(result: subprocess.CompletedProcess[str], host: str | None) -> EngineUnavailable:
    detail = (result.stderr.strip().splitlines() or ["no answer"])[-1]
    where = host or os.environ.get("DOCKER_HOST")
    return EngineUnavailable(
        "docker",
        f"no Docker daemon answers{f' at {where}' if where else ''} ({detail})",
        fix=daemon_fix(host),
    )


def detect(client: DockerClient, host: str | None = None) -> Capabilities:
    """Ask the daemon at ``host`` (default: the client's choice) what it is and, with
    buildx, which builder is the daemon's own; raises :class:`EngineUnavailable` when
    none answers.

    A daemon on a local unix socket is asked once through its API (``GET /info``: id,
    version, image store), and what only the client can say (the builder, buildx's
    version) is kept in the record store under the client binary, the daemon's id and
    the client's configuration, so a later build spawns no client to learn it again.
    Other daemons (``tcp://``, ``ssh://``, docker contexts) are asked with ``docker
    version`` and ``docker info`` every time.
    """
    from framework.docker_api import local_socket

    socket = local_socket(host)
    if socket is not None:
        found = _detect_through_api(client, host, socket)
        if found is not None:
            return found
    return _detect_with_client(client, host)


def _detect_through_api(client: DockerClient, host: str | None, socket: str) -> Capabilities | None:
    """:func:`detect` through the daemon's socket; ``None`` when it does not answer there
    (the client then says why, as before)."""
    from framework.docker_api import DaemonAPI, DaemonAPIError
    from framework.engines.docker.client import identity
    from framework.record.store import RecordStore

    try:
        with DaemonAPI(socket) as api:
            api.ping()  # the kept identity says what the daemon is, not that it answers
            info = api.identity()
    except DaemonAPIError:
        return None
    shown = str(info.get("ServerVersion", ""))
    match = _VERSION.match(shown)
    daemon_id = info.get("ID")
    if match is None or not isinstance(daemon_id, str):
        return None
    containerd = "io.containerd.snapshotter" in json.dumps(info.get("DriverStatus"))
    os_type, machine = info.get("OSType"), info.get("Architecture")
    own = (
        platform_of_machine(os_type, machine)
        if isinstance(os_type, str) and isinstance(machine, str)
        else None
    )
    builder, buildx = None, None
    if client.mode == "buildx":
        store = RecordStore()
        key = json.dumps([identity(client.path), daemon_id, host, *_client_configuration()])
        known = store.get("buildx", key)
        if isinstance(known, list) and len(known) == 3 and isinstance(known[0], str):
            builder, buildx = known[0], (int(known[1]), int(known[2]))
        else:
            env = client.environment(host)
            builder, buildx = _builder(client, env), _buildx_version(client, env)
            store.put("buildx", key, [builder, *buildx])
    return Capabilities(
        daemon=shown.split("+", maxsplit=1)[0],
        daemon_version=(int(match[1]), int(match[2])),
        client_mode=client.mode,
        containerd_store=containerd,
        builder=builder,
        buildx=buildx,
        platform=own,
    )


_PLUGIN_DIRS = (
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
)


def _client_configuration() -> list[str]:
    """What decides the builder and buildx's version besides the client and daemon: the
    context asked for, the client's config file, and the buildx plugin binaries."""
    config = os.environ.get("DOCKER_CONFIG") or os.path.expanduser("~/.docker")
    found = [os.environ.get("DOCKER_CONTEXT", ""), config]
    for path in (
        os.path.join(config, "config.json"),
        os.path.join(config, "cli-plugins", "docker-buildx"),
        *(os.path.join(d, "docker-buildx") for d in _PLUGIN_DIRS),
    ):
        try:
            info = os.stat(path)
        except OSError:
            continue
        found.append(f"{path}:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}")
    return found


def _buildx_version(client: DockerClient, env: dict[str, str]) -> tuple[int, int]:
    shown = re.search(r" v?(\d+)\.(\d+)", _run([client.path, "buildx", "version"], env).stdout)
    return (int(shown[1]), int(shown[2])) if shown else (0, 0)


def _detect_with_client(client: DockerClient, host: str | None) -> Capabilities:
    env = client.environment(host)
    version = _run([client.path, "version", "--format", "{{json .Server}}"], env)
    if version.returncode != 0 or not version.stdout.strip().startswith("{"):
        raise _unavailable(version, host)
    server = json.loads(version.stdout)
    shown = str(server.get("Version", ""))
    os_name, arch = server.get("Os"), server.get("Arch")
    match = _VERSION.match(shown)
    if match is None:
        raise EngineUnavailable(
            "docker", f"the daemon reports an unknown version {shown!r}",
            fix="use a Docker daemon 20.10 or newer",
        )  # fmt: skip
    info = _run([client.path, "info", "--format", "{{json .DriverStatus}}"], env)
    containerd = "io.containerd.snapshotter" in info.stdout
    builder = _builder(client, env) if client.mode == "buildx" else None
    buildx = _buildx_version(client, env) if client.mode == "buildx" else None
    return Capabilities(
        daemon=shown.split("+", maxsplit=1)[0],
        daemon_version=(int(match[1]), int(match[2])),
        client_mode=client.mode,
        containerd_store=containerd,
        builder=builder,
        buildx=buildx,
        platform=platform_of_machine(os_name, arch)
        if isinstance(os_name, str) and isinstance(arch, str)
        else None,
    )


def _builder(client: DockerClient, env: dict[str, str]) -> str:
    """The ``docker``-driver builder of the current context: buildx names it after the
    context (``default`` when DOCKER_HOST or no context is set)."""
    context = env.get("DOCKER_CONTEXT") or ""
    if not context:
        shown = _run([client.path, "context", "show"], env)
        context = shown.stdout.strip() if shown.returncode == 0 else ""
    context = context or "default"
    inspected = _run([client.path, "buildx", "inspect", context], env)
    driver = re.search(r"^Driver:\s*(\S+)", inspected.stdout, re.MULTILINE)
    if inspected.returncode != 0 or driver is None or driver[1] != "docker":
        found = f"driver {driver[1]}" if driver else "no answer"
        detail = (inspected.stderr.strip().splitlines() or [found])[-1]
        raise EngineUnavailable(
            "docker",
            f"buildx has no 'docker'-driver builder for the context {context!r} ({detail}); "
            "the framework builds with the daemon's own builder, which sees its local images",
            fix="use a context whose endpoint is a Docker daemon (docker context use default)",
        )
    return context
