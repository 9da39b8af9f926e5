"""Turn a Dockerfile and its ``.dockerignore`` into an editable pipeline.

``import_dockerfile("Dockerfile")`` returns the pipeline's source, or raises
:class:`ImportRefused` listing each construct it cannot express (with the Dockerfile's
``file:line`` and what to do); :func:`convert_dockerfile` returns an :class:`ImportResult`
with the problems instead of raising. See :mod:`framework.importer.generate` for the
mapping, and :mod:`framework.importer.expansion` for the word expansion.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from framework.errors import SpecError
from framework.importer.generate import generate
from framework.importer.model import ImportRefused, ImportResult, Problem
from framework.importer.parse import parse_dockerfile

__all__ = ["ImportRefused", "ImportResult", "Problem", "convert_dockerfile", "import_dockerfile"]


def convert_dockerfile(
    path: str | Path,
    context: str | Path | None = None,
    *,
    output: str | Path | None = None,
    function: str | None = None,
) -> ImportResult:
    """Import the Dockerfile at ``path``; ``context`` defaults to its directory.

    ``output`` is where the pipeline will be written: the context's path in it is
    relative to that file's directory (to the working directory when ``None``), and the
    function is named like that file (as ``python -m framework build FILE`` expects),
    unless ``function`` names it. The source is formatted with ruff when ruff is
    installed, with the configuration that applies at ``output``.
    """
    dockerfile = Path(path).resolve()
    if not dockerfile.is_file():
        raise SpecError(
            f"Dockerfile {str(path)!r} does not exist",
            fix="give the path of a Dockerfile",
        )
    directory = Path(context).resolve() if context is not None else dockerfile.parent
    if not directory.is_dir():
        raise SpecError(
            f"context {str(context)!r} is not a directory",
            fix="give the directory docker build would be given",
        )
    target = Path(output).resolve() if output is not None else None
    name = function or _function_name(target, directory)
    try:
        text = dockerfile.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {dockerfile}: {exc}", fix="check the file") from None
    parsed = parse_dockerfile(dockerfile, text)
    source, problems, notes = generate(parsed, directory, target, name)
    if problems:
        return ImportResult("", name, tuple(problems), tuple(notes))
    if target is not None and directory in target.parents:
        notes.append(
            f"{target} is inside the context {directory}: a copy of the whole context copies"
            " it too (docker build did not see it); list it in .dockerignore, or write it"
            " elsewhere"
        )
    return ImportResult(_formatted(source, target), name, (), tuple(notes))


def import_dockerfile(path: str | Path, context: str | Path | None = None) -> str:
    """The pipeline source for the Dockerfile at ``path``; raises :class:`ImportRefused`."""
    result = convert_dockerfile(path, context)
    if result.problems:
        raise ImportRefused(result.problems)
    return result.source


def _function_name(output: Path | None, context: Path) -> str:
    stem = output.stem if output is not None else context.name
    name = re.sub(r"[^0-9A-Za-z_]+", "_", stem).strip("_").lower() or "pipeline"
    return f"_{name}" if name[0].isdigit() else name


def _formatted(source: str, output: Path | None) -> str:
    ruff = _ruff()
    if ruff is None:
        return source
    filename = str(output) if output is not None else "pipeline.py"
    try:
        done = subprocess.run(
            [ruff, "format", "--stdin-filename", filename, "-"],
            input=source,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            # Where a file has no configuration of its own, ruff uses the working
            # directory's: run it where the file will be, as `ruff format FILE` there would.
            cwd=output.parent if output is not None and output.parent.is_dir() else None,
        )
    except (OSError, subprocess.SubprocessError):
        return source
    return done.stdout if done.returncode == 0 and done.stdout else source


def _ruff() -> str | None:
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return shutil.which("ruff")
    try:
        return str(find_ruff_bin())
    except FileNotFoundError:
        return shutil.which("ruff")
