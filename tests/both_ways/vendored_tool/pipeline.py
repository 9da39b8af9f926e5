"""The Dockerfile beside this file, written as a pipeline."""

from pathlib import Path

from framework import Context, Image

CONTEXT = Context(Path(__file__).parent)


def vendored_tool() -> Image:
    """A tool unpacked from its release archive (owners, modes and a symlink from the
    archive), then patched by a second archive unpacked through that symlink."""
    return (
        Image.from_("debian:bookworm-slim")
        .workdir("/opt")
        .add(CONTEXT / "vendor.tar.gz", "/opt/")
        .add(CONTEXT / "overlay.tar.bz2", "current/")
        .run("current/bin/tool ready > ready.txt")
        .env(PATH="/opt/current/bin:$PATH", expand=True)
        .cmd(["tool", "--version"])
    )
