"""SIGTERM inside sigterm_as_interrupt cancels like Ctrl-C, ends as Terminated, exits 143."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from framework.errors import Terminated
from framework.signals import sigterm_as_interrupt

SCRIPT = """
import os, signal, anyio
from framework.script import report_if_uncaught
from framework.signals import sigterm_as_interrupt

report_if_uncaught()  # as build() arms it when an error leaves it

async def work():
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        await anyio.sleep(30)
    finally:
        print("cleaned up", flush=True)  # cancellation ran the build's cleanup

with sigterm_as_interrupt():
    anyio.run(work)
"""


def test_uncaught_in_a_script_prints_one_line_and_exits_143() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 143
    assert result.stdout == "cleaned up\n"
    assert result.stderr == (
        "terminated (SIGTERM): the build was cancelled before it made an image; "
        "nothing was tagged\n"
    )


def test_caught_like_ctrl_c_and_the_handler_is_restored() -> None:
    with pytest.raises(KeyboardInterrupt) as caught, sigterm_as_interrupt():
        signal.raise_signal(signal.SIGTERM)
    assert isinstance(caught.value, Terminated)
    assert caught.value.exit_code == 143
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_an_application_handler_is_left_alone() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: seen.append(signum))
    try:
        with sigterm_as_interrupt():
            signal.raise_signal(signal.SIGTERM)
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)
