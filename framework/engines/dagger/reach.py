"""Whether a Dagger engine can be reached without downloading one. Imports no ``dagger``."""

from __future__ import annotations

import os
import shutil

__all__ = ["dagger_reachable"]


def dagger_reachable() -> str | None:
    """Why a Dagger engine can be reached without downloading anything, or ``None``."""
    if os.environ.get("DAGGER_SESSION_PORT"):
        return "a Dagger session is open (DAGGER_SESSION_PORT)"
    cli = os.environ.get("_EXPERIMENTAL_DAGGER_CLI_BIN") or shutil.which("dagger")
    if cli:
        runner = os.environ.get("_EXPERIMENTAL_DAGGER_RUNNER_HOST")
        return f"the Dagger CLI at {cli}" + (f" with the engine at {runner}" if runner else "")
    return None
