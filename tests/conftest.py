"""Shared test configuration.

The repository root is importable (``pipelines``). The ``reliability`` fixture collects
figures from the reliability tests (cases tried, concurrency held, faults survived);
when asked with ``FRAMEWORK_WRITE_RELIABILITY=1`` and the whole run passed, the session
writes them to ``docs/reliability.md`` (``docs/reliability-<daemon>.md`` on a private
daemon). Ordinary runs leave the committed report alone.
"""

from __future__ import annotations

import os
import platform
import signal
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

DOCS = Path(__file__).resolve().parents[1] / "docs"

# A shell starts a background job (`pytest ... &`) with SIGINT ignored, and an ignored
# signal stays ignored across exec: the Ctrl-C tests' builds would then never see it.
# Handled here, the processes the tests start get SIGINT's default again.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def report_path() -> Path:
    """``docs/reliability.md`` for the system daemon's run; a private daemon of the
    matrix (``$FRAMEWORK_DAEMON``) writes ``docs/reliability-<daemon>.md``."""
    daemon = os.environ.get("FRAMEWORK_DAEMON", "system")
    return DOCS / ("reliability.md" if daemon == "system" else f"reliability-{daemon}.md")


@dataclass
class ReliabilityReport:
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    tallies: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)

    def record(self, area: str, check: str, figure: str) -> None:
        """One line of the report: what was checked and what was measured."""
        self.rows.append((area, check, figure))

    def tally(self, area: str, check: str, unit: str, count: int = 1) -> None:
        """Count cases of one check (e.g. each generated example); one line at the end."""
        seen, _ = self.tallies.get((area, check), (0, unit))
        self.tallies[(area, check)] = (seen + count, unit)

    def markdown(self) -> str:
        lines = [
            "# Reliability figures",
            "",
            "Written by the test session (`tests/conftest.py`) from the run on "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
            f"Python {platform.python_version()}, daemon "
            f"`{os.environ.get('FRAMEWORK_DAEMON', 'system')}`; not edited by hand.",
            "",
            "| area | check | figure |",
            "| --- | --- | --- |",
        ]
        counted = [(a, c, f"{n} {unit}, all passed") for (a, c), (n, unit) in self.tallies.items()]
        for area, check, figure in sorted(self.rows + counted):
            lines.append(f"| {area} | {check} | {figure} |")
        from tests.regressions import markdown

        return "\n".join(lines) + "\n\n" + markdown()


_REPORT = ReliabilityReport()


@pytest.fixture(scope="session")
def reliability() -> ReliabilityReport:
    return _REPORT


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Only a passing run that asked for it rewrites the report.
    if os.environ.get("FRAMEWORK_WRITE_RELIABILITY") != "1" or exitstatus != 0:
        return
    if _REPORT.rows or _REPORT.tallies:
        DOCS.mkdir(exist_ok=True)
        report_path().write_text(_REPORT.markdown())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


# Property tests draw fixed examples on CI, so a new random case cannot fail an
# unrelated change; developers' runs keep exploring.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
