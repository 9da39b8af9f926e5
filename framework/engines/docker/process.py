"""The docker client dies with the build: a client outliving a killed build would keep
BuildKit's step running and its cache mounts locked, so the next build waits.

On Linux the client is started through a tiny launcher (this Python, isolated, no
site) that sets ``PR_SET_PDEATHSIG`` to SIGKILL and then ``exec``s the client: when
the process that started it dies, even by SIGKILL, the kernel kills the client, its
connection to the daemon closes, and BuildKit cancels the step. Elsewhere the argv is
unchanged. (anyio's ``open_process`` takes no ``preexec_fn``, hence the launcher.)
"""

from __future__ import annotations

import os
import sys

__all__ = ["dies_with_us"]

_PR_SET_PDEATHSIG = 1

_LAUNCHER = f"""
import ctypes, os, signal, sys
if ctypes.CDLL(None, use_errno=True).prctl({_PR_SET_PDEATHSIG}, int(signal.SIGKILL)) != 0:
    sys.exit("cannot tie the docker client to the build: prctl failed")
if os.getppid() != int(sys.argv[1]):  # the build died before the line above
    os._exit(137)
os.execvp(sys.argv[2], sys.argv[2:])
"""


def dies_with_us(argv: list[str]) -> list[str]:
    """``argv`` started so that it is killed when this process (its parent) dies."""
    if not sys.platform.startswith("linux"):
        return argv
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(os.getpid()), *argv]
