"""Table-driven: for tricky ``.dockerignore`` files, the framework stages exactly the
files ``docker build`` sends (``COPY . /`` exported with ``-o type=local``).

Every case here agrees with both clients this project runs (Docker 20.10, and 26.1 with
buildx). Two behaviours of the 20.10 client alone are not followed, as Docker itself
fixed them: it reads regex metacharacters (``+ ( ) { } | ^``) in a pattern as regex
(``a+b`` does not exclude ``a+b``), and after ``*`` it does not look inside an excluded
directory for a ``!**/*.py`` re-include. The framework does what Docker 23+ does.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from framework import Context, Image, compile
from framework.engines.staging import stage_context
from framework.render import render
from tests.e2e.conftest import Docker

pytestmark = pytest.mark.e2e

FILES = (
    "a.txt", "b.md", "docs/x.md", "docs/keep.md", "src/a/b/c.py", "src/d.py", "a$b",
    "sp ace", "ünï.txt", "back\\slash", "dir/sub/f", "dir/g", "UP.TXT", "e/f/g/h/i.txt",
    "-dash", ".hidden", "[br]", "# a.txt", "#docs",
)  # fmt: skip
CASES = {
    "crlf line endings": b"a.txt\r\ndocs\r\n!docs/keep.md\r\n",
    "utf-8 bom": b"\xef\xbb\xbfa.txt\nb.md\n",
    "comments only at column 0": b" # a.txt\n#b.md\n\t#docs\n",
    "leading slash": b"/a.txt\n/docs/\n",
    "dot slash": b"./a.txt\n./docs/x.md\n",
    "trailing slash on a file": b"a.txt/\n",
    "double star in the middle": b"src/**/c.py\n",
    "double star first": b"**/*.py\n",
    "double star last": b"src/**\n",
    "re-include inside an excluded directory": b"dir\n!dir/sub/f\n",
    "everything but one directory": b"*\n!docs\n",
    "the file excludes itself": b".dockerignore\n",
    "dollar": b"a$b\n",
    "space, unicode, escaped backslash": "sp ace\nünï.txt\nback\\\\slash\n".encode(),
    "case sensitive": b"up.txt\n",
    "classes": b"[a-c].*\n[^a]*\n",
    "question mark": b"?.txt\n",
    "outside the context": b"../app/a.txt\n",
    "space after !": b"*\n! a.txt\n",
    "nested exceptions": b"e\n!e/f\ne/f/g\n!e/f/g/h/i.txt\n",
    "hidden files": b".*\n",
    "escaped bracket": b"\\[br]\n",
    "directories only": b"*/\n",
    "trailing white space": b"a.txt   \nb.md\t\n",
    "excluded, re-included, excluded": b"docs\n!docs\ndocs/x.md\n",
    "double star directory": b"**/sub/\n",
    "everything but one file": b"**\n!b.md\n",
}


def _tree(root: Path) -> set[str]:
    found: set[str] = set()
    for here, dirs, files in os.walk(root):
        found |= {"d " + os.path.relpath(os.path.join(here, d), root) for d in dirs}
        found |= {"f " + os.path.relpath(os.path.join(here, f), root) for f in files}
    return found


@pytest.mark.parametrize("ignore", CASES.values(), ids=CASES.keys())
def test_the_framework_sends_what_docker_build_sends(
    docker: Docker, tmp_path: Path, ignore: bytes
) -> None:
    app = tmp_path / "app"
    for name in FILES:
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(name)
    (app / "emptydir").mkdir()
    (app / ".dockerignore").write_bytes(ignore)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM scratch\nCOPY . /\n")
    theirs = tmp_path / "theirs"
    subprocess.run(
        [docker.path, "build", "-q", "-f", str(dockerfile), "-o", f"type=local,dest={theirs}",
         str(app)],
        check=True, capture_output=True, timeout=300, env={**os.environ, "DOCKER_BUILDKIT": "1"},
    )  # fmt: skip

    image = Image.from_("debian:bookworm-slim").copy(Context(app), "/dst/")
    ours = tmp_path / "ours"
    stage_context(render(compile(image)).context, ours, link=False)
    (entry,) = ours.iterdir()
    assert _tree(entry) == _tree(theirs)
