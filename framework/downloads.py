"""The remote files of add steps: fetched by the framework, verified, kept by checksum.

No Docker frontend from 20.10 on verifies a download by itself (``ADD --checksum``
needs Docker 24+, and no ``# syntax=`` frontend can be pulled everywhere), so a
:class:`~framework.spec.Url` is fetched here, with the standard library, before any
engine starts: its sha256 is checked against the one the step declares, and the file
is kept in ``$XDG_CACHE_HOME/framework/downloads/sha256/<sha256>`` (``~/.cache`` when
unset), so a later build of any pipeline that names the same checksum fetches nothing.
The engines then copy it into the image like a context file (:mod:`framework.engines.
staging`). Deleting the cache is always safe.

The file's time is the server's ``Last-Modified`` (1970-01-01 without one), as Docker's
``ADD`` sets it. A failed fetch (server down, HTTP error, timeout) or a checksum that
does not match is a :class:`~framework.errors.BuildError` naming the step and the URL;
nothing is cached then, and no engine has started.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO

from framework.errors import BuildError
from framework.plan import AddUrlOp, BuildPlan, describe_step
from framework.plan.content import default_store
from framework.spec.urls import Url

__all__ = ["cache_dir", "cached", "fetch", "fetch_plan"]

_CHUNK = 1 << 16
TIMEOUT = 30.0
"""Seconds a connection or a read may stall before the fetch fails."""
_REPORT_EVERY = 2.0

Report = Callable[[str], None]


def cache_dir() -> Path:
    """Where verified downloads are kept: ``$XDG_CACHE_HOME/framework/downloads``."""
    return default_store().parent / "downloads"


def cached(url: Url) -> Path | None:
    """The kept file whose content has ``url``'s sha256, or ``None`` when not fetched yet."""
    path = cache_dir() / "sha256" / url.sha256
    return path if path.is_file() else None


def fetch_plan(plan: BuildPlan, report: Report | None = None) -> None:
    """Fetch and verify every URL the plan's add steps name that is not kept yet, in step
    order; the first failure raises :class:`BuildError` naming its step."""
    for stage in plan.stages:
        for number, step in enumerate(stage.steps, 1):
            if isinstance(step, AddUrlOp) and cached(step.source) is None:
                label = f"{number}: {describe_step(plan, step)}"
                fetch(
                    step.source,
                    report,
                    stage=stage.name,
                    step=label,
                    where=None if step.origin is None else str(step.origin),
                )


def fetch(
    url: Url,
    report: Report | None = None,
    *,
    stage: str | None = None,
    step: str | None = None,
    where: str | None = None,
) -> Path:
    """The kept file of ``url``, fetched and verified first when it is not kept yet.

    ``report`` receives progress lines while a download runs. A failure raises
    :class:`BuildError` carrying ``stage``, ``step`` and ``where`` (the step the URL
    belongs to)."""
    found = cached(url)
    if found is not None:
        return found

    def failed(problem: str) -> BuildError:
        return BuildError(problem, stage=stage, step=step, where=where)

    store = cache_dir() / "sha256"
    try:
        store.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(prefix=".partial-", dir=store)
    except OSError as exc:
        raise failed(
            f"cannot write the download cache {store}: {exc.strerror or exc}; "
            "fix: set XDG_CACHE_HOME to a writable directory"
        ) from None
    try:
        with os.fdopen(handle, "wb") as out:
            digest, size, modified = _download(url, out, report, failed)
        if digest != url.sha256:
            raise failed(
                f"the file at {url.url} has sha256 {digest}, not the {url.sha256} the step "
                f"declares; nothing was built. fix: if the new file is the one you want, "
                f"give sha256='{digest}'; otherwise check the URL (the server may serve "
                "another version now)"
            )
        os.chmod(partial, 0o644)
        os.utime(partial, (modified, modified))
        target = store / url.sha256
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    if report is not None:
        report(f"download {url.url}: {size} bytes, sha256 verified")
    return target


def _download(
    url: Url, out: IO[bytes], report: Report | None, failed: Callable[[str], BuildError]
) -> tuple[str, int, int]:
    """Stream ``url`` into ``out``; return the content's sha256, its size and its time."""
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url.url, headers={"User-Agent": "framework"})
    fix = "check that the server is up and the URL is right, then build again"
    try:
        with urllib.request.urlopen(
            request, timeout=TIMEOUT
        ) as response:  # http(s) only: Url checks
            total = response.headers.get("Content-Length")
            modified = _modified(response.headers.get("Last-Modified"))
            digest, size, shown = hashlib.sha256(), 0, time.monotonic()
            if report is not None:
                report(f"download {url.url}" + (f" ({total} bytes)" if total else ""))
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
                if report is not None and time.monotonic() - shown > _REPORT_EVERY:
                    shown = time.monotonic()
                    report(
                        f"download {url.url}: {size}" + (f"/{total}" if total else "") + " bytes"
                    )
    except urllib.error.HTTPError as exc:
        raise failed(
            f"fetching {url.url} failed: HTTP {exc.code} {exc.reason}; fix: {fix}"
        ) from None
    except urllib.error.URLError as exc:
        reason = getattr(exc.reason, "strerror", None) or exc.reason
        raise failed(f"fetching {url.url} failed: {reason}; fix: {fix}") from None
    except (TimeoutError, http.client.HTTPException, OSError) as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
        raise failed(f"fetching {url.url} failed: {reason}; fix: {fix}") from None
    return digest.hexdigest(), size, modified


def _modified(header: str | None) -> int:
    """The ``Last-Modified`` time in seconds since the epoch; 0 without a valid one."""
    if not header:
        return 0
    try:
        return int(parsedate_to_datetime(header).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return 0
