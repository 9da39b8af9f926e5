"""What lint asks the Docker daemon: which images are present, and a base image's user.

Every question is answered quietly: when no client or daemon answers (or it takes more
than a few seconds), the answer is ``None`` and the rules that need it are skipped.
"""

from __future__ import annotations

import functools
import json
import subprocess
from typing import TYPE_CHECKING

from framework.errors import FrameworkError

if TYPE_CHECKING:
    from framework.engines.docker import DockerEngine
    from framework.engines.docker.client import DockerClient

__all__ = ["DaemonFacts"]

_TIMEOUT = 10.0


class DaemonFacts:
    """Answers from the daemon at ``host`` (default: the client's choice), asked once;
    with ``engine`` (a :class:`~framework.engines.docker.DockerEngine`), from the daemon
    it builds on, through the client it found (found once for both)."""

    def __init__(self, host: str | None = None, engine: DockerEngine | None = None) -> None:
        self._host = engine.host if engine is not None else host
        self._engine = engine

    @functools.cached_property
    def _client(self) -> DockerClient | None:
        from framework.engines.docker.client import find_client

        try:
            return self._engine.client if self._engine is not None else find_client()
        except FrameworkError:
            return None

    def _docker(self, *args: str) -> str | None:
        client = self._client
        if client is None:
            return None
        try:
            done = subprocess.run(
                [client.path, *args], capture_output=True, text=True, timeout=_TIMEOUT,
                check=False, env=client.environment(self._host),
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout if done.returncode == 0 else None

    @functools.cached_property
    def local_images(self) -> frozenset[str] | None:
        """Every ``repository:tag`` in the image store, or ``None`` when none answers."""
        out = self._docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}")
        if out is None:
            return None
        return frozenset(n for n in out.split() if "<none>" not in n)

    @functools.cache  # noqa: B019  (one instance per lint run)
    def image_user(self, reference: str) -> str | None:
        """The user ``reference``'s config runs as (``""``: root), or ``None`` unknown."""
        out = self._docker("image", "inspect", "--format", "{{json .Config.User}}", reference)
        if out is None:
            return None
        try:
            user = json.loads(out)
        except ValueError:
            return None
        return user if isinstance(user, str) else None
