"""``framework lint``: best practices as checks, each with an id, a place and a fix.

:func:`lint` checks an :class:`~framework.Image` (or a compiled plan) and returns a
:class:`LintReport`. Rules (:data:`RULES`) look at the compiled plan: FW101 to FW112,
see ``python -m framework lint --rules``. A finding names the pipeline's ``file:line``
(the step's origin, or the line where the image starts for a finding about the whole
image). A trailing comment on that line silences rules for that step
(``# framework: ignore[FW101,FW103] reason``, see :mod:`framework.lint.silence`).

Before every build, :func:`framework.build` lints too (``lint="warn"`` prints the
findings on stderr; ``"error"`` fails the build before any engine starts; ``"off"``).
"""

from __future__ import annotations

import sys
from collections.abc import Collection
from dataclasses import field
from typing import Any, Literal, TextIO

from framework._dataclass import dataclass
from framework.errors import LintError, SpecError
from framework.lint.daemon import DaemonFacts
from framework.lint.findings import RULES, Finding, Rule
from framework.lint.rules import check_plan
from framework.lint.silence import silenced
from framework.plan import BuildPlan, compile
from framework.spec import Image

__all__ = [
    "LEVELS",
    "RULES",
    "DaemonFacts",
    "Finding",
    "LintReport",
    "Rule",
    "check_before_build",
    "lint",
]

Level = Literal["off", "warn", "error"]
LEVELS: tuple[Level, ...] = ("off", "warn", "error")


@dataclass(frozen=True)
class LintReport:
    """What :func:`lint` found: ``findings`` in force, ``silenced`` by an ignore comment
    (each with its reason), and ``skipped`` rules (ids) that needed a daemon none answered."""

    findings: tuple[Finding, ...]
    silenced: tuple[Finding, ...] = ()
    skipped: tuple[str, ...] = field(default=())

    @property
    def clean(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        """The ``lint --json`` document (``ok`` is whether no finding is in force)."""
        return {
            "ok": self.clean,
            "findings": [f.as_json() for f in self.findings],
            "silenced": [{**f.as_json(), "reason": f.silenced} for f in self.silenced],
            "skipped_rules": list(self.skipped),
        }


def lint(
    target: Image | BuildPlan,
    *,
    ignore: Collection[str] = (),
    engine: bool | DaemonFacts = True,
    host: str | None = None,
) -> LintReport:
    """Check ``target`` against every rule except those in ``ignore`` (ids).

    With ``engine`` (default), rules that need the Docker daemon (FW105; FW108 reads the
    base image's user) ask the one at ``host`` (default: the client's choice), or those
    ``engine`` answers when it is a :class:`DaemonFacts`; when none answers they are
    skipped quietly and listed in ``skipped``. Raises
    :class:`SpecError` for an unknown rule id or an invalid image.
    """
    unknown = sorted(set(ignore) - set(RULES))
    if unknown:
        raise SpecError(f"unknown lint rule {unknown[0]!r}", fix=f"rule ids are {', '.join(RULES)}")
    plan = target if isinstance(target, BuildPlan) else compile(target)
    facts = engine if isinstance(engine, DaemonFacts) else DaemonFacts(host) if engine else None
    active: list[Finding] = []
    quiet: list[Finding] = []
    for finding in check_plan(plan, facts):
        if finding.rule in ignore:
            continue
        reason = silenced(finding.where, finding.rule)
        if reason is None:
            active.append(finding)
        else:
            quiet.append(_with_reason(finding, reason))
    needs = [r.id for r in RULES.values() if r.needs_engine and r.id not in ignore]
    skipped = needs if facts is None or not facts.answers else []
    return LintReport(tuple(active), tuple(quiet), tuple(skipped))


def _with_reason(finding: Finding, reason: str) -> Finding:
    return Finding(
        finding.rule,
        finding.message,
        finding.fix,
        finding.where,
        finding.stage,
        finding.step,
        silenced=reason,
    )


def check_before_build(
    target: Image | BuildPlan, level: str, engine: object = None, stream: TextIO | None = None
) -> None:
    """What :func:`framework.build` does with ``lint=level``: ``"warn"`` prints each
    finding on ``stream`` (stderr), ``"error"`` raises :class:`LintError` (exit 1) when
    there is any, ``"off"`` does nothing. Runs before any engine starts. The daemon rules
    ask the daemon of ``engine`` when it is the docker engine, through its client (so
    the client is found once for both); on another engine they are skipped."""
    if level not in LEVELS:
        raise SpecError(f"unknown lint level {level!r}", fix="lint= takes 'off', 'warn' or 'error'")
    if level == "off":
        return
    facts: DaemonFacts | bool = False
    if engine is not None:
        from framework.engines.docker import DockerEngine

        facts = DaemonFacts(engine=engine) if isinstance(engine, DockerEngine) else False
    report = lint(target, engine=facts)
    if report.clean:
        return
    if level == "error":
        raise LintError(report.findings)
    out = stream or sys.stderr
    for finding in report.findings:
        print(f"warning: {finding.line()}\n  fix: {finding.fix}", file=out, flush=True)
