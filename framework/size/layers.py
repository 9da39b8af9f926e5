"""Reading an image's layers out of the daemon: ``docker save`` streamed, never written
to disk, each layer's tar walked for its files, whiteouts and sizes.

Both archive layouts are read: Docker's (``<id>/layer.tar``) and the OCI layout Docker
25+ writes (``blobs/sha256/<digest>``); ``manifest.json`` names the config and the
layers in order in both. A layer's ``bytes`` is the sum of its regular files' sizes.
"""

from __future__ import annotations

import contextlib
import io
import json
import posixpath
import subprocess
import tarfile
from dataclasses import dataclass, field
from typing import IO, Any

from framework.engines.docker.client import DockerClient, daemon_fix
from framework.errors import EngineUnavailable, ImageStoreError

__all__ = ["HistoryEntry", "Layer", "SavedImage", "read_image"]

_IN_MEMORY = 4 << 20  # archive members up to this size are kept to be read after the manifest


@dataclass
class Layer:
    """One layer: its regular files (path -> bytes), the paths its whiteouts delete,
    the directories it makes opaque, and every other path it writes (dirs, links)."""

    files: dict[str, int] = field(default_factory=dict)
    whiteouts: list[str] = field(default_factory=list)
    opaque: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(self.files.values())

    def largest(self, count: int = 5) -> list[tuple[str, int]]:
        return sorted(self.files.items(), key=lambda item: (-item[1], item[0]))[:count]


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of the image's history; ``layer`` indexes :attr:`SavedImage.layers`
    (``None`` for an entry that made no layer: ENV, CMD ...)."""

    created_by: str
    layer: int | None


@dataclass(frozen=True)
class SavedImage:
    """An image read from ``docker save``: its config, history and layers in order."""

    reference: str
    config: dict[str, Any]
    history: tuple[HistoryEntry, ...]
    layers: tuple[Layer, ...]


def _path(name: str) -> str:
    """A member name (``./usr/bin``, ``usr/bin/``) as an absolute path (``/usr/bin``)."""
    return posixpath.normpath("/" + name)


def read_layer(stream: IO[bytes]) -> Layer:
    """The files of one layer tar (compressed or not)."""
    layer = Layer()
    with tarfile.open(fileobj=stream, mode="r|*") as tar:
        for member in tar:
            path = _path(member.name)
            base = posixpath.basename(path)
            parent = posixpath.dirname(path)
            if base == ".wh..wh..opq":
                layer.opaque.append(parent)
            elif base.startswith(".wh."):
                layer.whiteouts.append(posixpath.join(parent, base[4:]))
            elif member.isreg():
                layer.files[path] = member.size
            elif path != "/":
                layer.others.append(path)
    return layer


def read_image(reference: str, client: DockerClient, host: str | None = None) -> SavedImage:
    """Stream ``docker save reference`` and read its config, history and layers."""
    argv = [client.path, "save", reference]
    try:
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=client.environment(host)
        )
    except OSError as exc:
        problem = f"cannot run {argv[0]}: {exc}"
        raise EngineUnavailable("docker", problem, fix=daemon_fix(host)) from None
    assert process.stdout is not None
    assert process.stderr is not None
    kept: dict[str, bytes] = {}
    layers: dict[str, Layer] = {}
    links: dict[str, str] = {}
    try:
        with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
            for member in archive:
                if member.issym() or member.islnk():
                    target = member.linkname
                    if member.issym():
                        target = posixpath.normpath(
                            posixpath.join(posixpath.dirname(member.name), target)
                        )
                    links[member.name] = target
                    continue
                if not member.isreg():
                    continue
                data = archive.extractfile(member)
                assert data is not None
                if member.size <= _IN_MEMORY:
                    kept[member.name] = data.read()
                    continue
                with contextlib.suppress(tarfile.TarError):  # a large member that is no layer
                    layers[member.name] = read_layer(data)
    except tarfile.TarError as exc:
        process.kill()
        process.wait()
        raise ImageStoreError(f"docker save {reference}: unreadable archive ({exc})") from None
    finally:
        process.stdout.close()
    error = process.stderr.read().decode(errors="replace").strip()
    process.stderr.close()
    if process.wait() != 0:
        if "Cannot connect to the Docker daemon" in error or "error during connect" in error:
            raise EngineUnavailable("docker", error, fix=daemon_fix(host))
        raise ImageStoreError(f"docker save {reference}: {error}")
    manifest = json.loads(kept["manifest.json"])[0]
    config: dict[str, Any] = json.loads(kept[links.get(manifest["Config"], manifest["Config"])])

    def layer(name: str) -> Layer:
        name = links.get(name, name)
        if name in layers:
            return layers[name]
        return read_layer(io.BytesIO(kept[name]))

    ordered = tuple(layer(name) for name in manifest["Layers"])
    return SavedImage(reference, config, _history(config, len(ordered)), ordered)


def _history(config: dict[str, Any], layer_count: int) -> tuple[HistoryEntry, ...]:
    """The history, each non-empty entry given the next layer (as Docker pairs them)."""
    entries: list[HistoryEntry] = []
    next_layer = 0
    for item in config.get("history", []):
        empty = bool(item.get("empty_layer")) or next_layer >= layer_count
        entries.append(
            HistoryEntry(
                str(item.get("created_by") or item.get("comment") or ""),
                None if empty else next_layer,
            )
        )
        next_layer += 0 if empty else 1
    return tuple(entries)
