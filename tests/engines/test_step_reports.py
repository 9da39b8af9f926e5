"""A failed step is reported as failed, with how long it ran, in every display.

The input is BuildKit's plain output as Docker 20.10 prints it for a step that ran
about 2.5 s and exited 3 (no ``DONE`` line, an ``ERROR`` line instead)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from framework import Image, compile, render
from framework.engines.base import StepReport
from framework.engines.docker.output import OutputParser
from framework.engines.docker.reports import reports, step_report, unfinished_step
from framework.progress import GitHubProgress, LiveProgress, PlainProgress, RecordingProgress

FAILED_BUILD = """\
#5 [1/3] FROM docker.io/library/debian:bookworm-slim
#5 CACHED

#6 [2/3] RUN echo preparing
#6 0.301 preparing
#6 DONE 0.4s

#4 [3/3] RUN echo hi; sleep 2; echo there; exit 3
#4 sha256:dc7c39b81942e309d65a82063eab4501ccadd4c87e2db6432ba82817b2000cd4
#4 0.523 hi
#4 2.536 there
#4 ERROR: executor failed running [/bin/sh -c echo hi; sleep 2; echo there; exit 3]: exit code: 3
------
 > [3/3] RUN echo hi; sleep 2; echo there; exit 3:
------
"""

IMAGE = (
    Image.from_("debian:bookworm-slim")
    .run("echo preparing")
    .run("echo hi; sleep 2; echo there; exit 3")  # FAILING STEP
)
FAILING_LINE = next(
    number
    for number, line in enumerate(Path(__file__).read_text().splitlines(), start=1)
    if line.endswith("# FAILING STEP")
)


def _feed(text: str, seconds: float = 0.0) -> OutputParser:
    """Parse ``text``; the clock advances ``seconds`` between a vertex's first line and
    its ``ERROR`` line."""
    now = [0.0]

    def clock() -> float:
        return now[0]

    parser = OutputParser(clock=clock)
    for line in text.splitlines():
        if "ERROR" in line:
            now[0] += seconds
        parser.feed(line)
    return parser


def test_a_step_that_exits_non_zero_is_failed_with_the_time_it_ran() -> None:
    plan = compile(IMAGE)
    rendered = render(plan)
    parser = _feed(FAILED_BUILD, seconds=0.2)
    statuses = [(r.description, r.status) for r in reports(plan, rendered, parser)]
    assert statuses == [
        ("RUN echo preparing", "executed"),
        ("RUN echo hi; sleep 2; echo there; exit 3", "failed"),
    ]
    failed = reports(plan, rendered, parser)[1]
    # no DONE line: the last output line's time (2.536 s) beats the 0.2 s the clock saw
    assert failed.duration == 2.536
    assert failed.where is not None
    assert failed.where.endswith(f"test_step_reports.py:{FAILING_LINE}")


def test_a_silent_failing_step_takes_its_duration_from_the_clock() -> None:
    silent = "\n".join(
        line for line in FAILED_BUILD.splitlines() if not line.startswith("#4 0.") and
        not line.startswith("#4 2.")
    )  # fmt: skip
    plan = compile(IMAGE)
    parser = _feed(silent, seconds=2.0)
    report = reports(plan, render(plan), parser)[1]
    assert (report.status, report.duration) == ("failed", 2.0)


def test_a_step_cancelled_by_another_failure_is_cancelled_not_executed() -> None:
    plan = compile(IMAGE)
    cancelled = FAILED_BUILD.replace(
        "#6 0.301 preparing\n#6 DONE 0.4s",
        "#6 ERROR: failed to compute cache key: context canceled",
    )
    parser = _feed(cancelled)
    assert [r.status for r in reports(plan, render(plan), parser)] == ["cancelled", "failed"]
    assert parser.failed() is parser.vertices[4]  # the real failure, not the cancelled one


def test_unfinished_step_names_the_step_that_was_running() -> None:
    plan = compile(IMAGE)
    running = FAILED_BUILD.split("#4 ERROR", maxsplit=1)[0]
    parser = _feed(running)
    shown = unfinished_step(plan, render(plan), parser)
    assert shown == "2 of stage stage-0 (RUN echo hi; sleep 2; echo there; exit 3)"
    assert (
        unfinished_step(plan, render(plan), _feed(FAILED_BUILD.split("#4 [3/3]", maxsplit=1)[0]))
        is None
    )


def _failed_report() -> StepReport:
    plan = compile(IMAGE)
    rendered = render(plan)
    parser = _feed(FAILED_BUILD)
    report = step_report(plan, rendered, parser.vertices[4])
    assert report is not None
    return report


def test_plain_and_github_displays_say_failed_with_duration() -> None:
    report = _failed_report()
    plain = io.StringIO()
    PlainProgress(plain).step_finished(report)
    assert plain.getvalue() == "[stage-0 2] FAILED 2.5s\n"
    github = io.StringIO()
    shown = GitHubProgress(github)
    shown.step_started(report.key, report.description)
    shown.step_output(report.key, "there")
    shown.step_finished(report)
    lines = github.getvalue().splitlines()
    assert "[stage-0 2] FAILED 2.5s" in lines
    annotation = lines[-1]
    assert report.where is not None
    assert annotation.startswith(
        f"::error file={report.where.rsplit(':', 1)[0]},line={FAILING_LINE}::"
    )
    assert "step stage-0 2 failed after 2.5s: RUN echo hi" in annotation
    assert "%0A| there" in annotation
    assert shown.annotated


def test_live_table_shows_failed() -> None:
    report = _failed_report()
    out = io.StringIO()
    live = LiveProgress(Console(file=out, width=120, force_terminal=False))
    live.begin("docker (the default)", "x")
    live.step_started(report.key, report.description)
    live.step_finished(report)
    live.end(None)
    table = out.getvalue()
    row = next(line for line in table.splitlines() if "RUN echo hi" in line)
    assert "failed" in row
    assert "2.5s" in row
    assert "executed" not in table


def test_recording_progress_keeps_reports_and_forwards() -> None:
    report = _failed_report()
    out = io.StringIO()
    recorded = RecordingProgress(PlainProgress(out))
    recorded.step_finished(report)
    assert recorded.reports == [report]
    assert "FAILED" in out.getvalue()
