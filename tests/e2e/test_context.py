"""Only the files copy steps reference reach the engine; excludes are honoured."""

from __future__ import annotations

import os
from pathlib import Path

from framework import Context, Image, SilentProgress, build
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker


def test_only_referenced_files_are_sent(
    docker: Docker, tmp_path: Path, reliability: ReliabilityReport
) -> None:
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    (app / "data").mkdir()
    (app / "src" / "main.py").write_text("print('hi')\n")
    (app / "src" / "debug.log").write_text("x" * 10_000)
    (app / "data" / "big.bin").write_bytes(os.urandom(8_000_000))
    for i in range(200):
        (app / "data" / f"f{i}.txt").write_text("unreferenced\n" * 50)
    ctx = Context(app, exclude=["**/*.log"])
    image = Image.from_("debian:bookworm-slim").copy(ctx / "src", "/src")
    result = build(image, tag=docker.tag("context"), progress=SilentProgress())
    total = sum(f.stat().st_size for f in app.rglob("*") if f.is_file())
    assert result.context_bytes is not None
    assert 0 < result.context_bytes < 5_000  # main.py and its metadata, not 8 MB
    assert docker.run(docker.tags[-1], "ls", "/src") == "main.py\n"  # debug.log excluded
    reliability.record(
        "context", "copy of one sub-directory from a larger context",
        f"{result.context_bytes} bytes sent of {total:,} in the directory; "
        "excluded *.log absent from the image",
    )  # fmt: skip


def test_a_named_file_that_is_a_symlink_is_copied_as_its_target(
    docker: Docker, tmp_path: Path
) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "real.txt").write_text("real content\n")
    (tmp_path / "app" / "link.txt").symlink_to("real.txt")
    image = Image.from_("debian:bookworm-slim").copy(Context(tmp_path / "app") / "link.txt", "/x")
    tag = docker.tag("symlink")
    build(image, tag=tag, progress=SilentProgress())
    assert docker.run(tag, "cat", "/x") == "real content\n"
