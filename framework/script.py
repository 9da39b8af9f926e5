"""A pipeline script reports a failure like the CLI: ``run_script()`` for its
``__main__`` block, and :func:`report_if_uncaught` for a plain ``build()`` call."""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Callable
from types import TracebackType

from framework.errors import FrameworkError
from framework.failures import failure_of, report_failure
from framework.signals import sigterm_as_interrupt

__all__ = ["report_if_uncaught", "run_script"]


def run_script(main: Callable[[], object]) -> None:
    """Call ``main()`` (the script's work: ``build(...)`` calls and anything else) and
    report a failure as ``python -m framework`` does.

    A framework error, a Ctrl-C or a SIGTERM prints the framework's message on stderr,
    without a traceback, and exits with the command line's exit code (1 build failed,
    3 invalid spec, 4 engine unavailable, 130 interrupted, 143 terminated).
    ``FRAMEWORK_TRACEBACK=1`` prints the traceback too. Any other exception is a bug
    and propagates with its traceback. Use it under ``if __name__ == "__main__":``;
    library code calls ``build()`` directly and catches its exceptions::

        if __name__ == "__main__":
            run_script(lambda: build(flask_app(), tag="flask-app"))
    """
    try:
        with sigterm_as_interrupt():  # also before and between builds (143, reported)
            main()
    except (FrameworkError, KeyboardInterrupt) as exc:
        failure = failure_of(exc)
        assert failure is not None  # every framework error and interrupt has one
        report_failure(exc, failure)
        raise SystemExit(failure.exit_code) from None


def report_if_uncaught() -> None:
    """If the framework error (or interrupt) being raised is never caught, end the
    process as :func:`run_script` would: the framework's message without a traceback
    (``FRAMEWORK_TRACEBACK=1`` adds it) and the command line's exit code.

    :func:`framework.build` calls this as an error leaves it, so a script that calls
    ``build()`` without ``run_script`` reports alike. It installs a ``sys.excepthook``
    (once, chaining to the one already set) that acts only on exceptions nobody caught:
    code that catches the error is unaffected.
    """
    previous = sys.excepthook
    if getattr(previous, "__name__", "") == _HOOK:
        return

    def hook(
        kind: type[BaseException], value: BaseException, traceback: TracebackType | None
    ) -> None:
        failure = failure_of(value)
        if failure is None:
            previous(kind, value, traceback)
            return
        report_failure(value, failure)
        sys.stdout.flush()
        atexit._run_exitfuncs()  # what the interpreter would run before exiting
        # An uncaught exception would exit 1 (or die by SIGINT): use the CLI's code.
        os._exit(failure.exit_code)

    hook.__name__ = _HOOK
    sys.excepthook = hook


_HOOK = "_framework_report_if_uncaught"
