"""SIGTERM does what Ctrl-C does: cancel the build, clean up, then exit 143.

:func:`build` runs its event loop inside :func:`sigterm_as_interrupt`. While it runs, a
SIGTERM is delivered like a SIGINT (the event loop cancels the build; the docker engine
asks BuildKit to cancel and removes what it staged), and the ``KeyboardInterrupt`` that
ends the build comes out as :class:`framework.errors.Terminated`, an ``Interrupted``
(a ``KeyboardInterrupt``) whose ``exit_code`` is 143 and which says what the build left
behind. Code that handles Ctrl-C handles it the same way.

- The CLI catches it and exits 143 with its message.
- In a pipeline script where nothing catches it, it is printed as one line (no
  traceback) and the process exits 143, as the CLI does
  (:func:`framework.script.report_if_uncaught`, which ``build()`` arms).

A process whose SIGTERM handler is not the default (the application installed its
own), or a build running outside the main thread, is left alone.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from framework.errors import Interrupted, Terminated

__all__ = ["sigterm_as_interrupt"]


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM interrupts like SIGINT and ends as :class:`Terminated`."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return
    received: list[int] = []

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        interrupt = signal.getsignal(signal.SIGINT)
        if callable(interrupt):
            # asyncio's handler cancels the running build; Python's default raises.
            interrupt(signal.SIGINT, frame)
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    except KeyboardInterrupt as exc:
        if received and not isinstance(exc, Terminated):
            left = exc.left_behind if isinstance(exc, Interrupted) else Interrupted.NOTHING
            raise Terminated(left) from None
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
