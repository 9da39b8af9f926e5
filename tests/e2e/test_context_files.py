"""Files on disk at build time, on the real engine: a symlink swapped in after the image
was declared is refused, and a ``.dockerignore`` selects exactly what ``docker build``
sends for the same directory."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from framework import Context, Image, SilentProgress, SpecError, build
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker

SECRET = "root:$6$host-only-secret\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Host files outside any context: what must never reach an image."""
    place = tmp_path / "host"
    (place / "etc").mkdir(parents=True)
    (place / "etc" / "shadow").write_text(SECRET)
    return place


def test_a_symlink_swapped_in_after_declaration_is_refused(
    docker: Docker, tmp_path: Path, outside: Path, reliability: ReliabilityReport
) -> None:
    app = tmp_path / "app"
    (app / "conf").mkdir(parents=True)
    (app / "conf" / "app.ini").write_text("[app]\n")
    (app / "secret.txt").write_text("harmless\n")
    ctx = Context(app)
    file_image = Image.from_("debian:bookworm-slim").copy(ctx / "secret.txt", "/srv/secret.txt")
    dir_image = Image.from_("debian:bookworm-slim").copy(ctx / "conf", "/srv/conf")
    # after declaration: the file and the directory become links to host files
    (app / "secret.txt").unlink()
    (app / "secret.txt").symlink_to(outside / "etc" / "shadow")
    shutil.rmtree(app / "conf")
    (app / "conf").symlink_to(outside / "etc")
    refused = 0
    for image in (file_image, dir_image):
        tag = docker.tag("b-swap")
        with pytest.raises(SpecError) as info:
            build(image, tag=tag, progress=SilentProgress())
        assert "outside the context" in info.value.problem
        assert str(outside / "etc") in info.value.problem
        assert not docker.exists(tag)  # refused before the engine ran: nothing tagged
        refused += 1
    reliability.record(
        "context", "symlink swapped in after declaration (file, directory) -> host files",
        f"{refused} of 2 builds refused before the engine ran; nothing tagged",
    )  # fmt: skip


def test_a_symlink_inside_a_copied_directory_is_copied_as_a_link(
    docker: Docker, tmp_path: Path, outside: Path
) -> None:
    app = tmp_path / "app"
    (app / "conf").mkdir(parents=True)
    (app / "conf" / "app.ini").write_text("[app]\n")
    image = Image.from_("debian:bookworm-slim").copy(Context(app) / "conf", "/srv/conf")
    (app / "conf" / "shadow").symlink_to(outside / "etc" / "shadow")  # after declaration
    tag = docker.tag("b-inner-link")
    build(image, tag=tag, progress=SilentProgress())
    script = "readlink /srv/conf/shadow; cat /srv/conf/shadow 2>/dev/null || echo unreadable"
    assert docker.run(tag, "sh", "-c", script) == f"{outside}/etc/shadow\nunreadable\n"
    listing = docker.run(tag, "sh", "-c", "grep -rl host-only-secret /srv || true")
    assert listing == ""


# The tree and .dockerignore of the comparison with `docker build`.
FILES = (
    ".env", ".git/HEAD", ".git/objects/ab/cdef", "node_modules/left-pad/index.js",
    "node_modules/keep.txt", "node_modules/keep/lib.js", "keep.txt", "app.py", "src/main.py",
    "src/.env", "src/pkg/__init__.py", "src/pkg/mod.pyc", "docs/README.md", "docs/guide.md",
    "logs/a.log", "build/out.bin", "notes.md",
)  # fmt: skip
DOCKERIGNORE = """\
# what a project keeps out of its image
.env
.git/
node_modules
!keep.txt
!node_modules/keep
**/*.pyc
docs
!docs/README.md
logs/*
/build
"""


def _find(docker: Docker, tag: str, root: str) -> set[str]:
    out = docker.run(tag, "find", root, "-mindepth", "1", "-printf", "%y %P\\n")
    return set(out.splitlines())


@pytest.mark.parametrize("sub", [".", "src", "node_modules"])
def test_dockerignore_selects_what_docker_build_sends(
    docker: Docker, tmp_path: Path, sub: str, reliability: ReliabilityReport
) -> None:
    app = tmp_path / "app"
    for name in FILES:
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(f"{name}\n")
    (app / "empty").mkdir()
    (app / ".dockerignore").write_text(DOCKERIGNORE)
    ctx = Context(app)
    source = ctx if sub == "." else ctx / sub
    ours = docker.tag("b-dockerignore")
    image = Image.from_("debian:bookworm-slim").copy(source, "/dst")
    build(image, tag=ours, progress=SilentProgress())

    dockerfile = tmp_path / "Dockerfile"  # outside the context, as in `docker build -f`
    dockerfile.write_text(f"FROM debian:bookworm-slim\nCOPY {sub} /dst\n")
    theirs = docker.tag("b-dockerignore-docker")
    subprocess.run(
        [docker.path, "build", "-q", "-f", str(dockerfile), "-t", theirs, str(app)],
        check=True, capture_output=True, timeout=300,
        env={**os.environ, "DOCKER_BUILDKIT": "1"},
    )  # fmt: skip

    expected = _find(docker, theirs, "/dst")
    assert _find(docker, ours, "/dst") == expected
    if sub == ".":
        assert expected >= {"f keep.txt", "f .dockerignore", "d empty", "f docs/README.md"}
        assert not {"f .env", "d .git", "f node_modules/keep.txt", "d build"} & expected
    reliability.record(
        "context", f".dockerignore vs docker build (COPY {sub})",
        f"{len(expected)} entries, identical file lists",
    )  # fmt: skip
