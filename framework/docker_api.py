"""The Docker daemon's HTTP API over its unix socket: version, info, image inspect, tag.

A few calls the engine and the build record make on every build (what is the daemon,
which id has this reference, does this tag still point at that image). Asking the
daemon directly costs a millisecond where spawning the docker client costs tens.

Only the standard library is used (HTTP/1.1 over an ``AF_UNIX`` socket): httpx
costs 60 ms or more to import, more than the calls it would make. Only a local socket
is spoken to: ``host`` (or ``$DOCKER_HOST``) ``unix:///path``, else
``/var/run/docker.sock`` when no docker context is chosen. For ``tcp://`` and ``ssh://``
daemons, or a docker context other than the default, :func:`local_socket` returns
``None`` and callers use the docker client as before (it knows TLS, ssh and contexts).
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any
from urllib.parse import quote

__all__ = ["DaemonAPI", "DaemonAPIError", "local_socket"]

_DEFAULT_SOCKET = "/var/run/docker.sock"
_TIMEOUT = 10.0


class DaemonAPIError(Exception):
    """The daemon's socket did not answer (``status`` ``None``), or answered with an
    unexpected HTTP ``status``. Internal: callers turn it into the framework's errors
    or fall back to the client."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def local_socket(host: str | None = None) -> str | None:
    """The unix socket of the daemon the docker client would talk to, or ``None`` when
    that daemon is not reached through a local socket (or a docker context decides)."""
    where = host or os.environ.get("DOCKER_HOST") or ""
    if where:
        return where.removeprefix("unix://") if where.startswith("unix://") else None
    context = os.environ.get("DOCKER_CONTEXT")
    if context is None:
        context = _current_context()
    if context not in ("", "default"):
        return None
    return _DEFAULT_SOCKET


def _current_context() -> str:
    """``currentContext`` of the client's config file (``""`` when none is set)."""
    directory = os.environ.get("DOCKER_CONFIG") or os.path.expanduser("~/.docker")
    try:
        with open(os.path.join(directory, "config.json"), encoding="utf-8") as file:
            value = json.load(file).get("currentContext", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else "?"


class _Connection:
    """One HTTP/1.1 keep-alive connection over the unix socket ``path``: requests without
    a body, responses by ``Content-Length`` or chunked, as the Engine API sends them.
    (``http.client`` would cost 30 ms or more of import, through the ``email`` package.)"""

    def __init__(self, path: str) -> None:
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.settimeout(_TIMEOUT)
        try:
            self._socket.connect(path)
        except OSError:
            self._socket.close()
            raise
        self._reader = self._socket.makefile("rb")

    def close(self) -> None:
        self._reader.close()
        self._socket.close()

    def request(self, method: str, url: str) -> tuple[int, bytes, bool]:
        """The status, body and whether the daemon keeps the connection open."""
        head = f"{method} {url} HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n"
        self._socket.sendall(head.encode("ascii"))
        status_line = self._line()
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise _ProtocolError(f"not an HTTP response: {status_line[:80]!r}")
        headers: dict[str, str] = {}
        while line := self._line():
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._chunked()
        else:
            body = self._exactly(int(headers.get("content-length", "0") or 0))
        keep = headers.get("connection", "").lower() != "close"
        return int(parts[1]), body, keep

    def _line(self) -> str:
        raw = self._reader.readline(65536)
        if not raw.endswith(b"\n"):
            raise _ProtocolError("the daemon closed the connection")
        return raw.decode("latin-1").rstrip("\r\n")

    def _exactly(self, size: int) -> bytes:
        body = self._reader.read(size)
        if len(body) != size:
            raise _ProtocolError("the daemon closed the connection mid-response")
        return body

    def _chunked(self) -> bytes:
        chunks: list[bytes] = []
        while size := int(self._line().split(";", 1)[0], 16):
            chunks.append(self._exactly(size))
            self._line()
        while self._line():  # trailers, then the blank line
            pass
        return b"".join(chunks)


class _ProtocolError(OSError):
    """The daemon's answer was cut short or was not HTTP."""


class DaemonAPI:
    """The daemon listening on the unix socket ``path``; one connection, reused."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: _Connection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> DaemonAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, url: str) -> tuple[int, bytes]:
        for attempt in (1, 2):  # a kept-alive connection the daemon closed: once more
            try:
                if self._connection is None:
                    self._connection = _Connection(self.path)
                status, body, keep = self._connection.request(method, url)
                if not keep:
                    self.close()
                return status, body
            except (OSError, ValueError) as exc:
                self.close()
                if attempt == 2 or isinstance(exc, FileNotFoundError | ConnectionRefusedError):
                    raise DaemonAPIError(f"{self.path}: {exc}") from None
        raise AssertionError("unreachable")

    def _json(self, url: str) -> Any:
        status, body = self._request("GET", url)
        if status != 200:
            raise DaemonAPIError(f"GET {url}: HTTP {status}: {body[:200]!r}")
        try:
            return json.loads(body)
        except ValueError as exc:
            raise DaemonAPIError(f"GET {url}: not JSON ({exc})") from None

    def info(self) -> dict[str, Any]:
        """``GET /info``: ``ID`` (the daemon's id), ``ServerVersion``, ``DriverStatus``."""
        found = self._json("/info")
        if not isinstance(found, dict):
            raise DaemonAPIError("GET /info: not an object")
        return found

    def ping(self) -> None:
        """``GET /_ping``: raise :class:`DaemonAPIError` unless the daemon answers."""
        status, body = self._request("GET", "/_ping")
        if status != 200:
            raise DaemonAPIError(f"GET /_ping: HTTP {status}: {body[:200]!r}")

    def identity(self) -> dict[str, Any]:
        """``ID``, ``ServerVersion``, ``DriverStatus``, ``OSType`` and ``Architecture``
        of :meth:`info`, kept in the record store under the socket file's inode and
        change time: ``GET /info`` costs
        the daemon ~10 ms, and a daemon that restarts (or another one listening there)
        makes the socket anew, so a kept answer is never another daemon's."""
        from framework.record.store import RecordStore

        try:
            status = os.stat(self.path)
        except OSError as exc:
            raise DaemonAPIError(f"{self.path}: {exc}") from None
        key = json.dumps([self.path, status.st_ino, status.st_ctime_ns, status.st_dev])
        store = RecordStore()
        known = store.get("daemon", key)
        if isinstance(known, dict) and isinstance(known.get("ID"), str) and "OSType" in known:
            return known
        info = self.info()
        kept = ("ID", "ServerVersion", "DriverStatus", "OSType", "Architecture")
        found = {name: info.get(name) for name in kept}
        store.put("daemon", key, found)
        return found

    def image(self, reference: str) -> dict[str, Any] | None:
        """``docker image inspect`` of ``reference`` (a name or an id), or ``None`` when
        the daemon has no such image."""
        url = f"/images/{quote(reference, safe='/:@')}/json"
        status, body = self._request("GET", url)
        if status == 404:
            return None
        if status != 200:
            raise DaemonAPIError(f"GET {url}: HTTP {status}: {body[:200]!r}")
        try:
            found = json.loads(body)
        except ValueError as exc:
            raise DaemonAPIError(f"GET {url}: not JSON ({exc})") from None
        return found if isinstance(found, dict) else None

    def image_id(self, reference: str) -> str | None:
        """The id ``reference`` resolves to now, or ``None`` when the daemon has none."""
        found = self.image(reference)
        value = None if found is None else found.get("Id")
        return value if isinstance(value, str) else None

    def tag(self, source: str, repository: str, tag: str) -> None:
        """Give the image ``source`` the name ``repository:tag``."""
        url = (
            f"/images/{quote(source, safe='/:@')}/tag"
            f"?repo={quote(repository, safe='')}&tag={quote(tag, safe='')}"
        )
        status, body = self._request("POST", url)
        if status not in (200, 201):
            raise DaemonAPIError(_message(body) or f"HTTP {status}", status)


def _message(body: bytes) -> str:
    """The daemon's error message in a JSON error body (``{"message": ...}``)."""
    try:
        found = json.loads(body)
    except ValueError:
        return body.decode(errors="replace").strip()
    return str(found.get("message", "")) if isinstance(found, dict) else ""
