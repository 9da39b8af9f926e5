"""How secret values reach the docker client without lying around on disk.

Clients that read a secret from their environment (``--secret id=ID,env=VAR``: buildx,
and Docker's own client from 20.10) get the value in the environment of the client
process only: nothing is written anywhere. Older clients read a file: the value goes to
a ``0600`` file in a private ``0700`` directory on a RAM-backed filesystem where one
exists (``$XDG_RUNTIME_DIR``, else ``/dev/shm``, else the temporary directory), named
``framework-secrets-<pid>-*``; it is removed when the build ends, however it ends
(failure, Ctrl-C, SIGTERM). A build killed outright (SIGKILL) cannot remove it: the
next build sweeps every such directory whose owning process is gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import field
from pathlib import Path

from framework._dataclass import dataclass
from framework.engines.docker.client import DockerClient
from framework.engines.docker.leftovers import owned_directory, sweep_stale

__all__ = ["PREFIX", "SecretSources", "private_root", "secret_sources", "takes_env_secrets"]

PREFIX = "framework-secrets-"


@dataclass(frozen=True)
class SecretSources:
    """The client arguments that name each secret, and the variables that carry them."""

    argv: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False)


def takes_env_secrets(client: DockerClient) -> bool:
    """Whether ``client`` reads ``--secret id=ID,env=VAR`` (buildx, or 20.10 and newer)."""
    major, minor = (int(part) for part in client.version.split(".")[:2])
    return client.mode == "buildx" or (major, minor) >= (20, 10)


@contextmanager
def secret_sources(client: DockerClient, secrets: Mapping[str, bytes]) -> Iterator[SecretSources]:
    """The ways ``secrets`` reach ``client`` for one build, cleaned up afterwards.

    Every call first sweeps the secret directories of builds that were killed.
    """
    root = private_root()
    sweep_stale(root, PREFIX)
    if not secrets:
        yield SecretSources()
        return
    if takes_env_secrets(client) and all(_is_text(v) for v in secrets.values()):
        env = {f"FRAMEWORK_SECRET_{i}": v.decode() for i, v in enumerate(secrets.values())}
        argv = [
            arg
            for name, secret_id in zip(env, secrets, strict=True)
            for arg in ("--secret", f"id={secret_id},env={name}")
        ]
        yield SecretSources(tuple(argv), env)
        return
    directory = owned_directory(PREFIX, root)
    try:
        arguments: list[str] = []
        for secret_id, value in secrets.items():
            path = directory / secret_id
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(value)
            arguments += ["--secret", f"id={secret_id},src={path}"]
        yield SecretSources(tuple(arguments))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _is_text(value: bytes) -> bool:
    """Environment variables hold text without NUL; other values go through a file."""
    try:
        return "\0" not in value.decode()
    except UnicodeDecodeError:
        return False


def private_root() -> Path:
    """Where secret files go: a RAM-backed directory where one is writable."""
    for candidate in (os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"):
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return Path(candidate)
    return Path(tempfile.gettempdir())
