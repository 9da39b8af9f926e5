"""Copied files have the content, owner and mode the spec asks for."""

from __future__ import annotations

from pathlib import Path

from framework import Context, Image, Inline, SilentProgress, build
from tests.e2e.conftest import Docker


def test_copy_owner_mode_and_defaults(docker: Docker, tmp_path: Path) -> None:
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (tmp_path / "tree" / "run.sh").chmod(0o755)
    (tmp_path / "tree" / "sub" / "data.txt").write_text("data\n")
    (tmp_path / "tree" / "sub" / "data.txt").chmod(0o600)
    (tmp_path / "tree" / "skip.log").write_text("excluded\n")
    ctx = Context(tmp_path / "tree", exclude=["*.log"])
    tag = docker.tag("files")
    image = (
        Image.from_("debian:bookworm-slim")
        .copy(ctx, "/default/")
        .copy(ctx / "sub", "/owned", owner="1000:1001", mode=0o640)
        .copy(ctx / "run.sh", "/bin/renamed.sh")
        .copy(Inline("inline body\n"), "/etc/inline.txt")
        .copy(Inline(b"\x00\xff bytes"), "/etc/secret.bin", owner="1000", mode=0o400)
    )
    build(image, tag=tag, progress=SilentProgress())
    listing = docker.run(
        tag,
        "stat",
        "-c",
        "%n %a %u:%g",
        "/default/run.sh",
        "/default/sub/data.txt",
        "/owned/data.txt",
        "/bin/renamed.sh",
        "/etc/inline.txt",
        "/etc/secret.bin",
    ).splitlines()
    assert listing == [
        "/default/run.sh 755 0:0",
        "/default/sub/data.txt 600 0:0",
        "/owned/data.txt 640 1000:1001",
        "/bin/renamed.sh 755 0:0",
        "/etc/inline.txt 644 0:0",
        "/etc/secret.bin 400 1000:1000",  # no group given: same id as the user
    ]
    assert docker.run(tag, "ls", "/default") == "run.sh\nsub\n"  # skip.log excluded
    assert docker.run(tag, "cat", "/etc/inline.txt") == "inline body\n"
    assert docker.run(tag, "/bin/renamed.sh") == "hi\n"
    assert docker.run(tag, "od", "-An", "-c", "/etc/secret.bin").split() == [
        "\\0",
        "377",
        "b",
        "y",
        "t",
        "e",
        "s",
    ]
