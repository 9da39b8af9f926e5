"""A remote file named by its checksum: ``Url("https://...", sha256="...")``.

A remote file enters an image only with the sha256 of its content, so a build adds the
bytes the pipeline names or fails. The framework downloads it before the build, checks
the checksum, and keeps it in a cache by checksum (:mod:`framework.downloads`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import field
from typing import Literal
from urllib.parse import unquote, urlsplit

from framework.errors import SpecError
from framework.spec._base import Model, Origin, caller_origin, check_text, origin_field, where

__all__ = ["UNNAMED", "Url"]

UNNAMED = "__unnamed__"
"""The file name Docker's ``ADD`` gives a URL whose path names no file (``http://host/``)."""

_SHA256 = re.compile(r"[0-9a-f]{64}")


class Url(Model):
    """The file at ``url`` (``http://`` or ``https://``) whose content has the sha256
    ``sha256`` (64 hex digits; a ``sha256:`` prefix is accepted and dropped).

    The checksum is required: ``Url(url)`` alone is a :class:`SpecError` saying how to get
    it. A URL holding a user name or password is refused: the URL is shown in progress
    and errors, so credentials in it would reach logs. ``file_name`` is the name Docker's
    ``ADD`` gives the file in a destination directory: the URL path's last segment,
    percent-decoded, or ``__unnamed__`` when there is none.
    """

    kind: Literal["url"] = field(default="url", init=False)
    url: str
    sha256: str
    origin: Origin | None = origin_field()

    def __init__(
        self, url: str, *, sha256: str | None = None, origin: Origin | None = None
    ) -> None:
        origin = origin or caller_origin()
        if not isinstance(url, str):
            raise SpecError(
                f"Url got {type(url).__name__}, not a string",
                fix="pass the URL as a string: Url('https://example.com/tool.tar.gz', sha256=...)",
                where=where(origin),
            )
        if sha256 is None:
            raise SpecError(
                f"Url({url!r}) has no sha256: a remote file is added only with the checksum of "
                "its content",
                fix=f"give it: Url({url!r}, sha256='<64 hex digits>') "
                f"(`curl -fsSL '{url}' | sha256sum` prints it)",
                where=where(origin),
            )
        try:
            self._fill({"url": url, "sha256": sha256, "origin": origin})
        except SpecError as exc:
            raise exc.at(where(origin)) from None

    def _check(self) -> None:
        url = check_text(self.url, "URL")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SpecError(
                f"URL {url!r} is not an http:// or https:// URL with a host",
                fix="give a URL like 'https://example.com/tool.tar.gz' (a local file is "
                "added as context / 'path')",
            )
        if any(c.isspace() for c in url):
            raise SpecError(
                f"URL {url!r} contains white space", fix="percent-encode it (a space is %20)"
            )
        if parts.username is not None or parts.password is not None:
            raise SpecError(
                f"URL of host {parts.hostname!r} holds a user name or password, which would "
                "be shown in progress, errors and the plan",
                fix="serve the file without credentials, or fetch it in a run step that "
                "reads them from a Secret",
            )
        digest = check_text(self.sha256, "sha256").lower().removeprefix("sha256:")
        if not _SHA256.fullmatch(digest):
            raise SpecError(
                f"sha256 {self.sha256!r} of {url} is not 64 hex digits",
                fix="give the checksum `sha256sum` prints for the file",
            )
        object.__setattr__(self, "sha256", digest)

    @property
    def file_name(self) -> str:
        """The name of the file in a destination directory (as Docker's ``ADD`` names it)."""
        path = unquote(urlsplit(self.url).path).rstrip("/")
        name = posixpath.basename(path)
        return name if name not in ("", ".") else UNNAMED

    def describe(self) -> str:
        return self.url
