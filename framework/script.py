"""``run_script()``: a pipeline script's ``__main__`` block, reporting like the CLI."""

from __future__ import annotations

from collections.abc import Callable

from framework.errors import FrameworkError
from framework.failures import failure_of, report_failure

__all__ = ["run_script"]


def run_script(main: Callable[[], object]) -> None:
    """Call ``main()`` (the script's work: ``build(...)`` calls and anything else) and
    report a failure as ``python -m framework`` does.

    A framework error or a Ctrl-C prints the framework's message on stderr, without a
    traceback, and exits with the command line's exit code (1 build failed, 3 invalid
    spec, 4 engine unavailable, 130 interrupted). ``FRAMEWORK_TRACEBACK=1`` prints the
    traceback too. Any other exception is a bug and propagates with its traceback.
    Use it under ``if __name__ == "__main__":``; library code calls ``build()``
    directly and catches its exceptions::

        if __name__ == "__main__":
            run_script(lambda: build(flask_app(), tag="flask-app"))
    """
    try:
        main()
    except (FrameworkError, KeyboardInterrupt) as exc:
        failure = failure_of(exc)
        assert failure is not None  # every framework error and interrupt has one
        report_failure(exc, failure)
        raise SystemExit(failure.exit_code) from None
