"""A script that calls ``build()`` without ``run_script`` reports an uncaught framework
error like the CLI; a caught one is the script's business."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

UNCAUGHT = """
import atexit
from framework import Image, build
atexit.register(lambda: print("atexit ran", flush=True))
build(Image.from_("debian:bookworm-slim"), tag="Not A Tag!!")
"""

CAUGHT = """
from framework import Image, SpecError, build
try:
    build(Image.from_("debian:bookworm-slim"), tag="Not A Tag!!")
except SpecError:
    print("caught", flush=True)
raise ValueError("a bug of the script's own")
"""


def _run(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "FRAMEWORK_TRACEBACK"}
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
        env={**environ, **env}, timeout=120, check=False,
    )  # fmt: skip


def test_an_uncaught_error_prints_the_message_and_exits_with_the_cli_code() -> None:
    result = _run(UNCAUGHT)
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert "Not A Tag!!" in result.stderr
    assert result.stdout == "atexit ran\n"


def test_the_traceback_is_shown_when_asked() -> None:
    result = _run(UNCAUGHT, FRAMEWORK_TRACEBACK="1")
    assert result.returncode == 3
    assert "Traceback (most recent call last)" in result.stderr


def test_a_caught_error_leaves_other_exceptions_alone() -> None:
    result = _run(CAUGHT)
    assert result.stdout == "caught\n"
    assert result.returncode == 1
    assert "ValueError: a bug of the script's own" in result.stderr
