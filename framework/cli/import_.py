"""``python -m framework import DOCKERFILE [--context DIR] [-o FILE] [--json]``.

Writes the pipeline (to ``FILE``, else stdout) that builds what ``docker build`` builds
from the Dockerfile. Exit 0 when it was written, 3 when the Dockerfile uses constructs a
pipeline cannot express (each on stderr as ``file:line: INSTRUCTION: problem; fix``).
``--json`` prints one object: ``{"ok": bool, "output": str | null, "function": str,
"problems": [{"file", "line", "instruction", "problem", "fix"}], "notes": [str]}``
(with ``--json`` and no ``-o``, the source is its ``"source"`` field).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from framework.failures import EXIT_SPEC

__all__ = ["add_import_parser", "run_import"]


def add_import_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``import`` on the command line's sub-commands."""
    parser = commands.add_parser(
        "import", help="turn a Dockerfile (and its .dockerignore) into a pipeline"
    )
    parser.add_argument("dockerfile", metavar="DOCKERFILE")
    parser.add_argument(
        "--context", metavar="DIR", help="the build context (default: the Dockerfile's folder)"
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the pipeline here")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")


def run_import(args: argparse.Namespace) -> int:
    """Import ``args.dockerfile``; the exit code (0 written, 3 refused)."""
    output = Path(args.output) if args.output else None
    from framework.importer import convert_dockerfile  # loaded only for this command

    result = convert_dockerfile(args.dockerfile, args.context, output=output)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    for problem in result.problems:
        print(f"{problem}", file=sys.stderr)
    if result.ok and output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(result.source, encoding="utf-8")
    summary: dict[str, object] = {
        "ok": result.ok,
        "output": str(output) if output is not None and result.ok else None,
        "function": result.function,
        "problems": [p.as_json() for p in result.problems],
        "notes": list(result.notes),
    }
    if args.json:
        if output is None and result.ok:
            summary["source"] = result.source
        print(json.dumps(summary, indent=2))
    elif result.ok and output is None:
        sys.stdout.write(result.source)
    elif result.ok:
        print(f"wrote {output} (build it: python -m framework build {output})", file=sys.stderr)
    return 0 if result.ok else EXIT_SPEC
