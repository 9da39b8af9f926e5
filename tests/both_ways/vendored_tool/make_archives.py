"""Writes the archives beside this file, byte for byte the same on every run
(``python make_archives.py``); they are committed, so the test does not run this."""

from __future__ import annotations

import bz2
import gzip
import io
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MTIME = 1_700_000_000


def _entry(
    name: str, kind: bytes, mode: int, owner: tuple[int, int], link: str = ""
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, (info.uid, info.gid), info.mtime = kind, mode, owner, MTIME
    info.uname = info.gname = ""
    info.linkname = link
    return info


def _tar(entries: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for info, data in entries:
            if data is None:
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def vendor() -> bytes:
    """A tool release: nested directories, a symlink, files of two non-root owners, and
    a directory the archive does not list (``share/doc``: made by the unpacking)."""
    app, www = (1000, 1000), (33, 33)
    return _tar(
        [
            (_entry("tool-1.2", tarfile.DIRTYPE, 0o755, app), None),
            (_entry("tool-1.2/bin", tarfile.DIRTYPE, 0o750, app), None),
            (
                _entry("tool-1.2/bin/tool", tarfile.REGTYPE, 0o755, app),
                b'#!/bin/sh\necho tool 1.2 "$@"\n',
            ),
            (_entry("tool-1.2/etc", tarfile.DIRTYPE, 0o700, www), None),
            (_entry("tool-1.2/etc/tool.conf", tarfile.REGTYPE, 0o640, www), b"level = 2\n"),
            (_entry("tool-1.2/share/doc/README", tarfile.REGTYPE, 0o444, app), b"tool 1.2\n"),
            (_entry("current", tarfile.SYMTYPE, 0o777, app, "tool-1.2"), None),
        ]
    )


def overlay() -> bytes:
    """Files that replace some already in the image."""
    return _tar(
        [
            (_entry("etc/tool.conf", tarfile.REGTYPE, 0o600, (1000, 1000)), b"level = 3\n"),
            (_entry("motd", tarfile.REGTYPE, 0o644, (0, 0)), b"vendored tool image\n"),
        ]
    )


if __name__ == "__main__":
    data = vendor()
    with (
        (HERE / "vendor.tar.gz").open("wb") as file,
        gzip.GzipFile(fileobj=file, mode="wb", mtime=0, filename="") as packed,
    ):
        packed.write(data)
    (HERE / "overlay.tar.bz2").write_bytes(bz2.compress(overlay()))
