"""Whether a local file is a tar archive that Docker's ``ADD`` unpacks.

Docker's ``ADD`` (BuildKit, on every Docker version from 20.10) unpacks a local file when
its first bytes name a compression it reads (gzip, bzip2, xz) or none, and the
(decompressed) stream starts with a valid tar header; any other file is copied as it
is. :func:`archive_compression` makes the same test, so ``Image.add`` can refuse, when the
image is declared, a file that Docker would copy rather than unpack. A zstd archive is
told apart: Docker 20.10 copies it, newer Dockers unpack it, so it has no single meaning.
"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Literal

__all__ = ["Compression", "archive_compression"]

Compression = Literal["none", "gzip", "bzip2", "xz", "zstd"]

_MAGIC: tuple[tuple[bytes, Compression], ...] = (
    (b"\x1f\x8b\x08", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)


def archive_compression(path: Path) -> Compression | None:
    """The compression of the tar archive at ``path``, or ``None`` when Docker's ``ADD``
    would not unpack it (not a tar archive, or an empty one). ``"zstd"`` is returned for a
    zstd stream without looking inside. Raises ``OSError`` when the file cannot be read."""
    with path.open("rb") as file:
        head = file.read(8)
    compression: Compression = next((c for magic, c in _MAGIC if head.startswith(magic)), "none")
    if compression == "zstd":
        return compression
    try:
        with tarfile.open(path, "r:*") as archive:
            first = archive.next()
    except (tarfile.TarError, EOFError, ValueError, OSError):
        # A damaged stream reads as "not an archive", as Docker's test does; an
        # unreadable file is raised by the open() above already.
        return None
    return compression if first is not None else None
