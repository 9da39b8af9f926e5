"""What lint asks the Docker daemon: whether it answers, whether an image is present, and a
base image's user.

A daemon on a local unix socket is asked through its API (:mod:`framework.docker_api`:
a millisecond a question, no process spawned); any other (``tcp://``, ``ssh://``, a
docker context) through the docker client. Every question is answered quietly: when
no client or daemon answers (or it takes more than a few seconds), the answer is
``None`` and the rules that need it are skipped.
"""

from __future__ import annotations

import functools
import json
import subprocess
from typing import TYPE_CHECKING, Any

from framework.errors import FrameworkError

if TYPE_CHECKING:
    from framework.engines.docker import DockerEngine
    from framework.engines.docker.client import DockerClient

__all__ = ["DaemonFacts"]

_TIMEOUT = 10.0


class DaemonFacts:
    """Answers from the daemon at ``host`` (default: the client's choice), asked once;
    with ``engine`` (a :class:`~framework.engines.docker.DockerEngine`), from the daemon
    it builds on (through the client it found, when the daemon is not on a local socket)."""

    def __init__(self, host: str | None = None, engine: DockerEngine | None = None) -> None:
        self._host = engine.host if engine is not None else host
        self._engine = engine

    @functools.cached_property
    def _socket(self) -> str | None:
        from framework.docker_api import local_socket

        return local_socket(self._host)

    @functools.cached_property
    def _client(self) -> DockerClient | None:
        from framework.engines.docker.client import find_client

        try:
            return self._engine.client if self._engine is not None else find_client()
        except FrameworkError:
            return None

    def _docker(self, *args: str) -> str | None:
        """stdout of the docker client run with ``args``, or ``None`` when it fails."""
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

    def _inspect(self, reference: str) -> dict[str, Any] | bool | None:
        """``reference``'s inspect document through the API; ``None`` when the daemon has
        no such image, ``False`` when its socket did not answer."""
        from framework.docker_api import DaemonAPI, DaemonAPIError

        assert self._socket is not None
        try:
            with DaemonAPI(self._socket) as api:
                return api.image(reference)
        except DaemonAPIError:
            return False

    @functools.cached_property
    def answers(self) -> bool:
        """Whether the daemon answers (rules that need it are skipped when not)."""
        if self._socket is not None:
            from framework.docker_api import DaemonAPI, DaemonAPIError

            try:
                with DaemonAPI(self._socket) as api:
                    api.ping()
            except DaemonAPIError:
                return False
            return True
        return self._docker("version", "--format", "{{.Server.Version}}") is not None

    @functools.cache  # noqa: B019  (one instance per lint run)
    def has_image(self, reference: str) -> bool | None:
        """Whether the image store holds ``reference``, or ``None`` when none answers."""
        if self._socket is not None:
            found = self._inspect(reference)
            return None if found is False else found is not None
        if self._docker("image", "inspect", "--format", "{{.Id}}", reference) is not None:
            return True
        return False if self.answers else None

    @functools.cache  # noqa: B019  (one instance per lint run)
    def image_user(self, reference: str) -> str | None:
        """The user ``reference``'s config runs as (``""``: root), or ``None`` unknown."""
        if self._socket is not None:
            found = self._inspect(reference)
            config = found.get("Config") if isinstance(found, dict) else None
            user = config.get("User", "") if isinstance(config, dict) else None
            return user if isinstance(user, str) else None
        out = self._docker("image", "inspect", "--format", "{{json .Config.User}}", reference)
        if out is None:
            return None
        try:
            user = json.loads(out)
        except ValueError:
            return None
        return user if isinstance(user, str) else None
