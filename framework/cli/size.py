"""``python -m framework size TARGET|IMAGE``: where an image's bytes are.

TARGET (a pipeline, as for ``build``) is built first, quietly, then measured with each
of its stages; IMAGE (a reference or id in the local store) is only measured. Output:
``--format text`` (default) a table, ``--format svg`` a bar per layer (to ``-o FILE`` or
stdout), ``--json`` the data:

``{"ok", "exit_code", "pipeline" (null for IMAGE), "image", "image_id", "size" (bytes,
as the store counts them), "layers_bytes", "dead_bytes", "note",
"layers": [{"index", "bytes", "files", "created_by", "largest": [{"path", "bytes"}],
"dead_bytes", "stage", "step", "where"}], "steps": [{"stage", "step", "where", "layer",
"bytes"}], "dead": [{"path", "bytes", "added_in", "removed_in", "how"}],
"stages": [{"name", "final", "image_id", "size", "steps": [...]}],
"suggestions": [{"rule", "message", "where", "bytes"}]}``.

Exit codes: 0 measured, 1 build or image-store failure (an IMAGE not in the store),
2 usage, 3 invalid spec, 4 no engine.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from framework.cli.targets import registered
from framework.spec import Image

__all__ = ["add_parser", "names_an_image", "run_image", "run_pipeline"]

_MODULE_TARGET = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def add_parser(commands: Any) -> None:
    """Register ``size`` on the ``commands`` subparsers."""
    parser = commands.add_parser(
        "size", help="per-layer and per-step size, dead bytes, stage sizes"
    )
    parser.add_argument("target", metavar="TARGET|IMAGE")
    parser.add_argument("--format", default="text", choices=["text", "svg"])
    parser.add_argument("-o", "--output", metavar="FILE", help="write the output to FILE")
    parser.add_argument("--json", action="store_true", help="print the data as JSON")


def names_an_image(target: str) -> bool:
    """Whether ``target`` is an image rather than a pipeline: not a ``.py`` file or a
    registered name; a ``module:function`` spelling only when the store holds such an
    image (``python:3`` could be either)."""
    path_part = target.partition(":")[0]
    if path_part.endswith(".py") or Path(path_part).is_file() or target in registered():
        return False
    if not _MODULE_TARGET.fullmatch(target):
        return True
    from framework.lint.daemon import DaemonFacts

    return DaemonFacts()._docker("image", "inspect", target) is not None


def run_image(args: argparse.Namespace) -> int:
    from framework.size import measure_image

    return _show(args, measure_image(args.target))


def run_pipeline(args: argparse.Namespace, pipeline_name: str, image: Image) -> int:
    from framework.size import measure

    return _show(args, measure(image, name=pipeline_name))


def _show(args: argparse.Namespace, report: Any) -> int:
    from framework.size import to_svg, to_text

    if args.json:
        text = json.dumps(report.as_json(), indent=2) + "\n"
    elif args.format == "svg":
        text = to_svg(report)
    else:
        text = to_text(report)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        if args.json:
            print(text, end="")
        else:
            print(f"wrote {args.output}")
    else:
        print(text, end="")
    return 0
