"""The docker client dies with the build: a client outliving a killed build would keep
BuildKit's step running and its cache mounts locked, so the next build waits.

On Linux the client is started so that ``PR_SET_PDEATHSIG`` is SIGKILL when it runs:
when the process that started it dies, even by SIGKILL, the kernel kills the client,
its connection to the daemon closes, and BuildKit cancels the step. (anyio's
``open_process`` takes no ``preexec_fn``, so a launcher sets it and then ``exec``s the
client.) The launcher is util-linux's ``setpriv --pdeathsig KILL`` followed by
``/bin/sh``, which checks that its parent is still the build (a build that died before
the signal was set would otherwise leave the client running) and ``exec``s the client:
two small C programs, a few milliseconds. Where no ``setpriv`` with ``--pdeathsig``
is installed (util-linux before 2.33, busybox), it is this Python, isolated and without
site, calling ``prctl`` through ``ctypes`` (some 40 ms of CPU). Elsewhere the argv is
unchanged.
"""

from __future__ import annotations

import functools
import os
import shutil
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

# $0 is the build's pid; the shell's $PPID is its parent's pid when it started, after
# setpriv set the signal: a different one means the build died before it was set.
_CHECK = 'test "$PPID" = "$0" || exit 137; exec "$@"'


@functools.cache
def _setpriv() -> str | None:
    """``setpriv`` if it has ``--pdeathsig``: its long option table holds the name
    (read from the binary once per process: cheaper than running it)."""
    path = shutil.which("setpriv")
    if path is None or not os.path.exists("/bin/sh"):
        return None
    try:
        with open(path, "rb") as binary:
            return path if b"pdeathsig" in binary.read() else None
    except OSError:
        return None


def dies_with_us(argv: list[str]) -> list[str]:
    """``argv`` started so that it is killed when this process (its parent) dies."""
    if not sys.platform.startswith("linux"):
        return argv
    setpriv = _setpriv()
    if setpriv is not None:
        return [setpriv, "--pdeathsig", "KILL", "--", "/bin/sh", "-c", _CHECK, str(os.getpid()),
                *argv]  # fmt: skip
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(os.getpid()), *argv]
