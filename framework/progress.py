"""Progress displays: what a person sees while a build runs.

Engines report events to a :class:`Progress`; :func:`default_progress` picks a live
display on a terminal and plain lines otherwise (CI logs).
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from typing import TYPE_CHECKING, Protocol, TextIO

from framework.outcome import BuildResult, StepKey, StepReport

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

__all__ = [
    "GitHubProgress",
    "LiveProgress",
    "PlainProgress",
    "Progress",
    "RecordingProgress",
    "SilentProgress",
    "default_progress",
    "github_annotation",
]


class Progress(Protocol):
    """Receives build events; every method must return quickly."""

    def begin(self, engine: str, target: str) -> None: ...
    def step_started(self, key: StepKey, description: str) -> None: ...
    def step_output(self, key: StepKey, line: str) -> None: ...
    def step_finished(self, report: StepReport) -> None: ...
    def end(self, result: BuildResult | None) -> None: ...


class SilentProgress:
    """Shows nothing."""

    def begin(self, engine: str, target: str) -> None:
        pass

    def step_started(self, key: StepKey, description: str) -> None:
        pass

    def step_output(self, key: StepKey, line: str) -> None:
        pass

    def step_finished(self, report: StepReport) -> None:
        pass

    def end(self, result: BuildResult | None) -> None:
        pass


class RecordingProgress:
    """Passes every event on to ``shown`` and keeps each finished step's report, so a
    summary can list the steps (and the one that failed) even when the build fails."""

    def __init__(self, shown: Progress) -> None:
        self.shown = shown
        self.reports: list[StepReport] = []

    def begin(self, engine: str, target: str) -> None:
        self.shown.begin(engine, target)

    def step_started(self, key: StepKey, description: str) -> None:
        self.shown.step_started(key, description)

    def step_output(self, key: StepKey, line: str) -> None:
        self.shown.step_output(key, line)

    def step_finished(self, report: StepReport) -> None:
        self.reports.append(report)
        self.shown.step_finished(report)

    def end(self, result: BuildResult | None) -> None:
        self.shown.end(result)


class PlainProgress:
    """One line per event, for logs and terminals that are not interactive; a step's
    line says ``EXECUTED``, ``CACHED``, ``FAILED`` or ``CANCELLED`` with its duration."""

    def __init__(self, stream: TextIO | None = None, *, show_output: bool = True) -> None:
        self._stream = stream or sys.stderr
        self._show_output = show_output

    def _print(self, text: str) -> None:
        print(text, file=self._stream, flush=True)

    def begin(self, engine: str, target: str) -> None:
        self._print(f"==> building {target} with engine {engine}")

    def step_started(self, key: StepKey, description: str) -> None:
        self._print(f"[{key}] {description}")

    def step_output(self, key: StepKey, line: str) -> None:
        if self._show_output:
            self._print(f"[{key}]   | {line}")

    def step_finished(self, report: StepReport) -> None:
        if report.status == "config":
            return
        key = report.key
        self._print(f"[{key}] {report.status.upper()} {report.duration:.1f}s")

    def end(self, result: BuildResult | None) -> None:
        if result is None:
            self._print("==> build failed")
            return
        ran = len(result.executed())
        cached = len(result.cached())
        tags = ", ".join(result.tags) or "(no tag)"
        self._print(
            f"==> built {result.image_id[:19]} in {result.duration:.1f}s: "
            f"{ran} steps executed, {cached} cached; tagged {tags}"
        )


class LiveProgress:
    """A live table of steps on a terminal, refreshed as the build runs."""

    def __init__(self, console: Console | None = None) -> None:
        from rich.console import Console
        from rich.live import Live

        self._console = console or Console(stderr=True)
        self._rows: dict[StepKey, list[str]] = {}
        self._started: dict[StepKey, float] = {}
        self._last_line: dict[StepKey, str] = {}
        self._live = Live(
            self._table(), console=self._console, refresh_per_second=8, transient=False
        )
        self._title = ""

    def _table(self) -> Table:
        from rich.table import Table

        table = Table(title=getattr(self, "_title", ""), expand=True, show_edge=False)
        table.add_column("step", ratio=3, overflow="ellipsis", no_wrap=True)
        table.add_column("status", width=10, style="bold")
        table.add_column("time", width=8, justify="right")
        table.add_column("output", ratio=2, overflow="ellipsis", no_wrap=True)
        now = time.monotonic()
        for key, (description, status, took) in self._rows.items():
            shown = f"{now - self._started[key]:.1f}s" if status == "running" else took
            styled = f"[red]{status}[/red]" if status in ("failed", "cancelled") else status
            table.add_row(description, styled, shown, self._last_line.get(key, ""))
        return table

    def _refresh(self) -> None:
        self._live.update(self._table())

    def begin(self, engine: str, target: str) -> None:
        self._title = f"building {target} with engine {engine}"
        self._live.start()
        self._refresh()

    def step_started(self, key: StepKey, description: str) -> None:
        self._rows[key] = [description, "running", ""]
        self._started[key] = time.monotonic()
        self._refresh()

    def step_output(self, key: StepKey, line: str) -> None:
        self._last_line[key] = line
        self._refresh()

    def step_finished(self, report: StepReport) -> None:
        if report.status == "config":
            return
        key = report.key
        description = self._rows.get(key, [report.description])[0]
        self._rows[key] = [description, report.status, f"{report.duration:.1f}s"]
        self._last_line.pop(key, None)
        self._refresh()

    def end(self, result: BuildResult | None) -> None:
        self._refresh()
        self._live.stop()
        PlainProgress(show_output=False).end(result)


def default_progress() -> Progress:
    """Log groups on GitHub Actions, a live display on a terminal, plain lines otherwise."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return GitHubProgress()
    if sys.stderr.isatty():
        return LiveProgress()
    return PlainProgress()


_ANNOTATED_LINES = 10


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


class GitHubProgress(PlainProgress):
    """Plain lines, each step's output folded in a GitHub Actions log group; a step that
    fails becomes an error annotation on the pipeline line that declared it, with its
    duration and last output lines (``annotated`` is then true)."""

    def __init__(self, stream: TextIO | None = None, *, show_output: bool = True) -> None:
        super().__init__(stream, show_output=show_output)
        self._tails: dict[StepKey, deque[str]] = {}
        self.annotated = False

    def step_started(self, key: StepKey, description: str) -> None:
        self._print(f"::group::[{key}] {_escape(description)}")

    def step_output(self, key: StepKey, line: str) -> None:
        self._tails.setdefault(key, deque(maxlen=_ANNOTATED_LINES)).append(line)
        super().step_output(key, line)

    def step_finished(self, report: StepReport) -> None:
        self._print("::endgroup::")
        super().step_finished(report)
        if report.status == "failed":
            key = report.key
            lines = [f"step {key} failed after {report.duration:.1f}s: {report.description}"]
            lines += [f"| {line}" for line in self._tails.get(key, ())]
            self._print(github_annotation("\n".join(lines), report.where))
            self.annotated = True


def github_annotation(message: str, where: str | None) -> str:
    """A GitHub Actions error annotation, pointing at ``file:line`` when known."""
    location = ""
    if where:
        file, _, line = where.rpartition(":")
        location = f" file={file},line={line}" if line.isdigit() else f" file={where}"
    return f"::error{location}::{_escape(message)}"
