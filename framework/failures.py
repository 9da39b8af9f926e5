"""What a failure means to the person (or CI job) that ran the build: one table from an
error to its kind, exit code, message and data, shared by the command line and by
pipeline scripts (:func:`framework.run_script`), so both print the same and exit alike.

Exit codes: 0 success, 1 build failed (or a push, archive, image-store or file
operation), 2 usage error, 3 invalid spec (or a pipeline that fails to load or
raises), 4 engine unavailable, 130 interrupted, 143 terminated (SIGTERM).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any, Literal, TextIO

from framework._dataclass import dataclass
from framework.errors import (
    BuildError,
    EngineUnavailable,
    FrameworkError,
    ImageStoreError,
    Interrupted,
    SpecError,
    Terminated,
    UsageError,
)
from framework.progress import github_annotation

__all__ = [
    "EXIT_BUILD_FAILED",
    "EXIT_ENGINE",
    "EXIT_INTERRUPTED",
    "EXIT_SPEC",
    "EXIT_USAGE",
    "TRACEBACK_VARIABLE",
    "Failure",
    "failure_of",
    "internal_failure",
    "report_failure",
]

EXIT_BUILD_FAILED, EXIT_USAGE, EXIT_SPEC, EXIT_ENGINE = 1, 2, 3, 4
EXIT_INTERRUPTED = 130
TRACEBACK_VARIABLE = "FRAMEWORK_TRACEBACK"
"""Set to 1 to print the Python traceback of a failure as well as its message."""

Kind = Literal[
    "usage",
    "spec",
    "engine",
    "build",
    "image-store",
    "file",
    "interrupted",
    "terminated",
    "internal",
]


@dataclass(frozen=True)
class Failure:
    """One failure as the command line reports it.

    ``message`` is the problem in one line; ``text`` the full message printed on
    stderr; ``where`` the pipeline's ``file:line`` when known; ``step`` and ``stage`` the
    failing step; ``fix`` what to do, when known.
    """

    kind: Kind
    exit_code: int
    message: str
    text: str
    fix: str | None = None
    where: str | None = None
    stage: str | None = None
    step: str | None = None
    command: str | None = None
    output_tail: tuple[str, ...] = ()
    left_behind: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` object for this failure (``ok`` is false)."""
        return {
            "ok": False,
            "exit_code": self.exit_code,
            "kind": self.kind,
            "message": self.message,
            "fix": self.fix,
            "where": self.where,
            "stage": self.stage,
            "step": self.step,
            "command": self.command,
            "output_tail": list(self.output_tail),
            "left_behind": self.left_behind,
        }


def failure_of(exc: BaseException) -> Failure | None:
    """The :class:`Failure` ``exc`` stands for; ``None`` for an exception that is not
    the framework's (a bug, in a pipeline or here: its traceback is the useful report)."""
    if isinstance(exc, KeyboardInterrupt):
        stopped = exc if isinstance(exc, Interrupted) else Interrupted()
        kind: Kind = "terminated" if isinstance(stopped, Terminated) else "interrupted"
        text = str(stopped)
        return Failure(kind, stopped.exit_code, text, text, left_behind=stopped.left_behind)
    if isinstance(exc, UsageError):
        return Failure("usage", EXIT_USAGE, exc.problem, f"usage error: {exc}", fix=exc.fix)
    if isinstance(exc, SpecError):
        return Failure(
            "spec", EXIT_SPEC, exc.problem, f"error: {exc}", fix=exc.fix, where=exc.where
        )
    if isinstance(exc, EngineUnavailable):
        return Failure("engine", EXIT_ENGINE, exc.problem, f"error: {exc}", fix=exc.fix)
    if isinstance(exc, BuildError):
        fix = None
        if exc.step is not None:
            place = f" declared at {exc.where}" if exc.where else ""
            fix = f"fix step {exc.step}{place}, then build again (finished steps are cached)"
        return Failure(
            "build",
            EXIT_BUILD_FAILED,
            exc.problem,
            f"error: {exc}",
            fix=fix,
            where=exc.where,
            stage=exc.stage,
            step=exc.step,
            command=exc.command,
            output_tail=exc.output_tail,
            left_behind=None if exc.tagged else "nothing was tagged",
        )
    if isinstance(exc, ImageStoreError):
        return Failure("image-store", EXIT_BUILD_FAILED, str(exc), f"error: {exc}")
    if isinstance(exc, FrameworkError):  # pragma: no cover - every error is one of the above
        return Failure("build", EXIT_BUILD_FAILED, str(exc), f"error: {exc}")
    if isinstance(exc, OSError):
        return Failure("file", EXIT_BUILD_FAILED, str(exc), f"error: {exc}")
    return None


def internal_failure(exc: BaseException) -> Failure:
    """The ``--json`` account of an exception that is not the framework's (a bug, which
    propagates with its traceback): kind ``internal``, exit 1, as Python then exits."""
    text = f"internal error: {type(exc).__name__}: {exc}"
    fix = "this is a bug: report it with the traceback printed on stderr"
    return Failure("internal", EXIT_BUILD_FAILED, text, text, fix=fix)


def report_failure(
    exc: BaseException, failure: Failure, *, annotate: bool = True, stream: TextIO | None = None
) -> None:
    """Print ``failure`` on ``stream`` (stderr): its traceback first when
    ``$FRAMEWORK_TRACEBACK`` is 1, then its message, then on GitHub Actions an error
    annotation at its pipeline line unless ``annotate`` is false (the progress display
    already annotated the failing step)."""
    out = stream or sys.stderr
    if os.environ.get(TRACEBACK_VARIABLE) == "1":
        traceback.print_exception(exc, file=out)
    print(failure.text, file=out, flush=True)
    if annotate and failure.kind != "interrupted" and os.environ.get("GITHUB_ACTIONS") == "true":
        print(github_annotation(failure.text, failure.where), file=out, flush=True)
