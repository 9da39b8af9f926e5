"""``python -m framework lint TARGET``: check a pipeline against the lint rules.

Exit codes: 0 when no finding is in force (silenced ones do not count), 1 when there
is one and ``--level error`` (the default), 0 with ``--level warn`` (findings are still
printed); 2 usage (an unknown rule id in ``--ignore``), 3 invalid spec or a pipeline
that fails to load. ``--json`` prints :meth:`framework.lint.LintReport.as_json` plus
``exit_code`` and ``pipeline``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from framework.errors import UsageError
from framework.failures import EXIT_BUILD_FAILED
from framework.lint.findings import RULES
from framework.spec import Image

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Register ``lint`` on the ``commands`` subparsers."""
    parser = commands.add_parser(
        "lint",
        help="check a pipeline against best practices (FW101...)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check a pipeline against best practices.\n\n"
        + "\n".join(f"  {r.id} {r.name:22} {r.title}" for r in RULES.values())
        + "\n\nSilence a rule on one step with a comment on its line (or just above it):"
        "\n  .run('apt-get update')  # framework: ignore[FW101] the reason",
    )
    parser.add_argument("target", metavar="TARGET")
    parser.add_argument(
        "--level", default="error", choices=["warn", "error"],
        help="error (default): exit 1 on findings; warn: report them and exit 0",
    )  # fmt: skip
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="FW1xx",
        help="skip a rule everywhere (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--no-engine", action="store_true",
        help="never ask the Docker daemon (skips FW105)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace, pipeline_name: str, image: Image) -> int:
    """Lint ``image`` and report; returns the exit code."""
    unknown = [i for i in args.ignore if i.upper() not in RULES]
    if unknown:
        raise UsageError(
            f"--ignore: unknown rule {unknown[0]!r}", fix=f"rule ids are {', '.join(RULES)}"
        )
    from framework.lint import lint  # loaded only for this command

    report = lint(image, ignore={i.upper() for i in args.ignore}, engine=not args.no_engine)
    code = EXIT_BUILD_FAILED if report.findings and args.level == "error" else 0
    if args.json:
        document = {**report.as_json(), "exit_code": code, "pipeline": pipeline_name}
        print(json.dumps(document, indent=2))
        return code
    for finding in report.findings:
        print(finding.line())
        print(f"  fix: {finding.fix}")
    for finding in report.silenced:
        reason = f": {finding.silenced}" if finding.silenced else " (no reason given)"
        print(f"silenced {finding.rule} at {finding.where}{reason}")
    if report.skipped:
        print(f"skipped {', '.join(report.skipped)}: no Docker daemon answered")
    print(f"{len(report.findings)} finding(s), {len(report.silenced)} silenced")
    return code
