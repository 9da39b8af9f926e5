"""Finding a Docker client that builds with BuildKit, and refusing one that would not.

A client qualifies when ``docker buildx`` works (``docker buildx build --load``), or
when it is 18.09 to 22.x, whose built-in BuildKit support ``DOCKER_BUILDKIT=1``
turns on. A newer client without buildx either refuses ``DOCKER_BUILDKIT=1`` or,
without it, silently uses the legacy builder (no cache or secret mounts): refused.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Literal

from framework._dataclass import dataclass
from framework.errors import EngineUnavailable, LegacyBuilderError

__all__ = ["DockerClient", "find_client"]

_VERSION = re.compile(r"version (\d+)\.(\d+)")
_ENV_CLIENT = "FRAMEWORK_DOCKER"


@dataclass(frozen=True)
class DockerClient:
    """A BuildKit-capable client: ``mode`` says how to ask it for BuildKit."""

    path: str
    version: str
    mode: Literal["buildx", "native"]

    def build_command(self) -> list[str]:
        if self.mode == "buildx":
            return [self.path, "buildx", "build", "--load"]
        return [self.path, "build"]

    def environment(self, host: str | None = None) -> dict[str, str]:
        """The environment to run this client in: the caller's, so ``DOCKER_HOST``,
        ``DOCKER_CONTEXT`` and the TLS variables pass through, with ``host`` (when given)
        as ``DOCKER_HOST``, BuildKit on and plain progress."""
        env = dict(os.environ)
        if host is not None:
            env["DOCKER_HOST"] = host
        env["DOCKER_BUILDKIT"] = "1"
        env["BUILDKIT_PROGRESS"] = "plain"
        return env


def _run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=30, check=False, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return subprocess.CompletedProcess(argv, 127, "", str(exc))


def _version(path: str) -> tuple[int, int] | None:
    match = _VERSION.search(_run([path, "--version"]).stdout)
    return (int(match[1]), int(match[2])) if match else None


def identity(path: str) -> str | None:
    """What identifies the client binary at ``path`` for the probe cache: its resolved
    path, size, mtime and inode (``None`` when it cannot be read)."""
    try:
        real = os.path.realpath(shutil.which(path) or path)
        info = os.stat(real)
    except OSError:
        return None
    return f"{real}:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"


def probe(path: str) -> DockerClient | str:
    """Classify the client at ``path``: a :class:`DockerClient`, or why it does not qualify.

    The answer is kept in the record store (:mod:`framework.record.store`) under the
    binary's identity (path, size, mtime, inode), so each client binary is probed with
    ``docker --version`` and ``docker buildx version`` once, not on every build; an
    upgraded or replaced binary is probed again."""
    from framework.record.store import RecordStore

    store = RecordStore()
    key = identity(path)
    known = None if key is None else store.get("client", key)
    if isinstance(known, dict) and known.get("path") == path:
        if known.get("mode") in ("buildx", "native") and isinstance(known.get("version"), str):
            return DockerClient(path, known["version"], known["mode"])
        if isinstance(known.get("refused"), str):
            return str(known["refused"])
    found = _probe(path)
    if key is not None and (isinstance(found, DockerClient) or "no buildx plugin" in found):
        if isinstance(found, DockerClient):
            entry = {"path": path, "version": found.version, "mode": found.mode}
        else:
            entry = {"path": path, "refused": found}
        store.put("client", key, entry)
    return found


def _probe(path: str) -> DockerClient | str:
    version = _version(path)
    if version is None:
        return f"{path}: does not answer 'docker --version'"
    shown = f"{version[0]}.{version[1]}"
    if _run([path, "buildx", "version"]).returncode == 0:
        return DockerClient(path, shown, "buildx")
    if (18, 9) <= version < (23, 0):
        return DockerClient(path, shown, "native")
    return (
        f"{path}: client {shown} has no buildx plugin; with DOCKER_BUILDKIT=1 it refuses "
        "to build, and without it it uses the legacy builder (not BuildKit)"
    )


def _candidates() -> list[str]:
    found: list[str] = []
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        path = Path(directory or ".") / "docker"
        if path.is_file() and os.access(path, os.X_OK):
            found.append(str(path))
    found.append("/usr/bin/docker")
    return list(dict.fromkeys(p for p in found if shutil.which(p)))


_FIX = (
    "install a BuildKit-capable client: on Debian 13 `apt-get install docker.io docker-cli "
    "docker-buildx` (the client with its buildx plugin); on Debian 12 `apt-get install "
    "docker.io` (its 20.10 client at /usr/bin/docker builds with BuildKit natively); or point "
    "FRAMEWORK_DOCKER (or DockerEngine(client=...)) at one"
)


def find_client(explicit: str | None = None) -> DockerClient:
    """The client to build with: ``explicit`` (or ``$FRAMEWORK_DOCKER``), else the first
    qualifying ``docker`` on PATH, else ``/usr/bin/docker``."""
    chosen = explicit or os.environ.get(_ENV_CLIENT)
    if chosen:
        if shutil.which(chosen) is None:
            raise EngineUnavailable("docker", f"no executable docker client at {chosen}", fix=_FIX)
        result = probe(chosen)
        if isinstance(result, str):
            raise LegacyBuilderError("docker", result, fix=_FIX)
        return result
    candidates = _candidates()
    if not candidates:
        raise EngineUnavailable(
            "docker",
            "no docker client found on PATH or at /usr/bin/docker",
            fix="install one (sudo bash scripts/engine-up.sh does), or choose another engine",
        )
    reasons: list[str] = []
    for path in candidates:
        result = probe(path)
        if isinstance(result, DockerClient):
            return result
        reasons.append(result)
    raise LegacyBuilderError("docker", "; ".join(reasons), fix=_FIX)


def daemon_fix(host: str | None = None) -> str:
    """What to do when no daemon answers at ``host`` (default: ``$DOCKER_HOST``)."""
    where = host or os.environ.get("DOCKER_HOST")
    if not where or where.startswith(("unix://", "npipe://", "fd://")):
        return "start one (as root: bash scripts/engine-up.sh), or set DOCKER_HOST"
    return (
        f"check that a Docker daemon listens at {where} and this machine can reach it "
        "(for ssh://, that 'ssh <host> docker version' works without a prompt; for TLS, "
        "DOCKER_TLS_VERIFY and DOCKER_CERT_PATH)"
    )
