"""``python -m framework explain TARGET -t TAG [--after] [--json]``: per step, whether a
build would be cached or rebuilt, and why (:mod:`framework.record.explanation`).

JSON (``--json``): ``{"ok": true, "tag", "after", "built_at", "image_id",
"from_record", "notes": [...], "disagreements": N, "steps": [{"stage", "index",
"description", "prediction": "cached"|"rebuilt"|"unknown", "cause", "reason",
"changes": [{"kind": "file"|"env"|"base"|"field", "what", "old", "new"}], "actual",
"disagrees"}]}``. Exit 0 (disagreements are reported, not failures), 2 for a missing
``-t``, 3 for an invalid pipeline.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from framework.errors import UsageError
from framework.spec import Image

if TYPE_CHECKING:
    from framework.record.explanation import Explanation

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Register ``explain`` on the subcommands ``commands``."""
    parser = commands.add_parser(
        "explain", help="per step: cached or rebuilt, and why (from the build record)"
    )
    parser.add_argument("target", metavar="TARGET")
    parser.add_argument("-t", "--tag", help="the tag whose last build to compare with")
    parser.add_argument(
        "--after", action="store_true",
        help="the last build of TAG: what was predicted next to what BuildKit did",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print a JSON document on stdout")


def run(args: argparse.Namespace, image: Image) -> int:
    """Explain ``image`` against the record of ``args.tag``; print it."""
    if not args.tag:
        raise UsageError(
            "explain needs the tag whose last build to compare with",
            fix=f"python -m framework explain {args.target} -t TAG",
        )
    from framework.record.explanation import explain  # loaded only for this command

    found = explain(image, tag=args.tag, after=args.after)
    if args.json:
        print(json.dumps({"ok": True, **found.as_json()}, indent=2))
    else:
        print(_text(found))
    return 0


def _text(found: Explanation) -> str:
    if found.built_at is None:
        head = f"{found.tag}: no build recorded"
    else:
        image = (found.image_id or "").removeprefix("sha256:")[:12]
        from framework.record.builds import shown_time

        head = f"{found.tag}: last built {shown_time(found.built_at)} (image {image})"
    lines = [head + (", predicted against actual" if found.after else "")]
    stage = None
    for step in found.steps:
        if step.stage != stage:
            stage = step.stage
            lines.append(f"stage {stage}")
        status = step.prediction if not found.after else f"{step.prediction} -> {step.actual}"
        flag = "  !! disagrees" if step.disagrees else ""
        lines.append(f"  {step.index:>2}. {step.description}")
        lines.append(f"      {status}: {step.reason}{flag}")
    if found.from_record:
        lines.append("a build now is answered from the build record (no BuildKit solve)")
    lines += [f"note: {note}" for note in found.notes]
    return "\n".join(lines)
