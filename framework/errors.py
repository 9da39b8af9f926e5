"""Every error the framework raises, in one hierarchy.

::

    FrameworkError                 base of everything below
     ├── UsageError                the command line or a pipeline parameter's value is wrong
     ├── SpecError                 the image description is invalid (before any engine starts)
     │    └── UnknownInstruction   an Image has no such method (also an AttributeError)
     ├── EngineUnavailable         no engine answers, or it cannot run a BuildKit build
     │    └── LegacyBuilderError   the Docker client would fall back to the legacy builder
     ├── BuildError                the engine ran the build and a step failed
     │    └── LintError            build(lint="error") found best-practice problems
     └── ImageStoreError           an operation on the local image store failed

    KeyboardInterrupt
     └── Interrupted               Ctrl-C during build(): says what the build left behind
          └── Terminated           the same, by SIGTERM (exit 143)

    UserWarning
     └── LiteralDollarWarning      an env value holds ``$NAME`` literally (no expand=True)

Each error carries data as attributes and renders a message that says what went wrong,
where it was declared (``file:line`` of the pipeline when known), and how to fix it.
No ``subprocess``, ``OSError`` or ``dagger`` exception leaves the public API.
"""

from __future__ import annotations

import typing as _typing

if _typing.TYPE_CHECKING:
    from collections.abc import Sequence as _Sequence

    from framework.lint.findings import Finding as _Finding

__all__ = [
    "BuildError",
    "EngineUnavailable",
    "FrameworkError",
    "ImageStoreError",
    "Interrupted",
    "LegacyBuilderError",
    "LintError",
    "LiteralDollarWarning",
    "SpecError",
    "Terminated",
    "UnknownInstruction",
    "UsageError",
]


class FrameworkError(Exception):
    """Base class of every error the framework raises."""


class UsageError(FrameworkError):
    """The command line is wrong, or a value given for a pipeline parameter does not fit
    its type; ``fix`` says what to give instead, when there is more to say."""

    def __init__(self, problem: str, *, fix: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(problem + (f"\n  fix: {fix}" if fix else ""))


class SpecError(FrameworkError):
    """An image description is invalid: raised when the object is built or compiled.

    ``problem`` says what is wrong, ``where`` where it was declared (``file:line``, or
    ``None`` when unknown), and ``fix`` what to do about it.
    """

    def __init__(self, problem: str, *, fix: str, where: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        self.where = where
        super().__init__(self._message())

    def _message(self) -> str:
        place = f"{self.where}: " if self.where else ""
        return f"{place}{self.problem}\n  fix: {self.fix}"

    def at(self, where: str | None) -> SpecError:
        """Return this error with ``where`` filled in, unless it already names a place."""
        if self.where is not None or where is None:
            return self
        return SpecError(self.problem, fix=self.fix, where=where)


class UnknownInstruction(SpecError, AttributeError):
    """A method or attribute an ``Image`` does not have (``image.volume(...)``).

    Also an ``AttributeError``, so ``hasattr()`` and ``getattr(..., default)`` work as
    for any object; ``fix`` lists the instructions that exist, and the closest one as
    "did you mean" when there is one.
    """


class EngineUnavailable(FrameworkError):
    """No engine can run the build; ``fix`` says how to get one."""

    def __init__(self, engine: str, problem: str, *, fix: str) -> None:
        self.engine = engine
        self.problem = problem
        self.fix = fix
        super().__init__(f"{engine} engine unavailable: {problem}\n  fix: {fix}")


class LegacyBuilderError(EngineUnavailable):
    """The Docker client found would build with the legacy (non-BuildKit) builder."""


class BuildError(FrameworkError):
    """A build ran and failed.

    ``stage`` and ``step`` name the failing step, ``command`` is what it ran,
    ``where`` the ``file:line`` it was declared at, ``output_tail`` the last lines
    it printed (secret values redacted); ``exit_code``, ``stdout_tail`` and
    ``stderr_tail`` are set where the engine reports them apart (Dagger). No tag was
    created, unless ``tagged``: the image was built and tagged and a later output
    (push, archive) failed.
    """

    def __init__(
        self,
        problem: str,
        *,
        stage: str | None = None,
        step: str | None = None,
        command: str | None = None,
        where: str | None = None,
        output_tail: tuple[str, ...] = (),
        tagged: bool = False,
        exit_code: int | None = None,
        stdout_tail: tuple[str, ...] = (),
        stderr_tail: tuple[str, ...] = (),
    ) -> None:
        self.problem = problem
        self.exit_code = exit_code
        self.stdout_tail = stdout_tail
        self.stderr_tail = stderr_tail
        self.tagged = tagged
        self.stage = stage
        self.step = step
        self.command = command
        self.where = where
        self.output_tail = output_tail
        super().__init__(self._message())

    def _message(self) -> str:
        lines = [f"build failed: {self.problem}"]
        if self.step is not None:
            lines.append(f"  step: {self.step}" + (f" (stage {self.stage})" if self.stage else ""))
        if self.where is not None:
            lines.append(f"  declared at: {self.where}")
        if self.command is not None:
            lines.append(f"  command: {self.command}")
        if self.output_tail:
            lines.append("  output (last lines):")
            lines.extend(f"    | {line}" for line in self.output_tail)
        lines.append("  the image was built and tagged" if self.tagged else "  no tag was created")
        return "\n".join(lines)


class LintError(BuildError):
    """``build(..., lint="error")`` (``--lint=error``) found problems; nothing was built.

    ``findings`` are the :class:`framework.lint.Finding` values in force; the message
    lists each with its ``file:line``, rule id and fix. Exits 1, like a failed build.
    """

    def __init__(self, findings: _Sequence[_Finding]) -> None:
        self.findings = tuple(findings)
        lines = tuple(f"{f.line()}  (fix: {f.fix})" for f in findings)
        first = findings[0].where if findings else None
        super().__init__(
            f"lint found {len(findings)} problem(s) at error level (lint='error'); "
            "no engine was started",
            where=first,
            output_tail=lines,
        )


class ImageStoreError(FrameworkError):
    """``images ls/pull/tag/rm`` failed; the message carries the engine's answer."""


class Interrupted(KeyboardInterrupt):
    """``build()`` was interrupted (Ctrl-C); ``left_behind`` says exactly what the build
    had already changed: ``"nothing was tagged"``, or the image, its local tags, the
    references pushed and those not pushed. A ``KeyboardInterrupt``, so code that stops
    on one still does."""

    NOTHING = "the build was cancelled before it made an image; nothing was tagged"
    exit_code = 130
    """What the command line and :func:`framework.run_script` exit with (128 + SIGINT)."""

    def __init__(self, left_behind: str = NOTHING) -> None:
        self.left_behind = left_behind
        super().__init__(f"{self._cause}: {left_behind}")

    _cause = "interrupted"


class Terminated(Interrupted):
    """``build()`` was stopped by SIGTERM, which cancels it as Ctrl-C does
    (:mod:`framework.signals`); exits 143 (128 + SIGTERM)."""

    exit_code = 143
    _cause = "terminated (SIGTERM)"


class LiteralDollarWarning(UserWarning):
    """An ``env`` value holds ``$NAME`` for a variable the image sets, and is stored
    literally because expansion was not asked for (``.env(..., expand=True)``).

    Issued at declaration, pointing at the pipeline's line. Silence it for a value that is
    meant literally with :func:`warnings.filterwarnings`.
    """
