"""The Dockerfile beside this file, written as a pipeline."""

from framework import Image


def busybox_arm64_emulated() -> Image:
    """One stage pinned to linux/arm64 whatever the build's target: its run steps run
    under emulation on another machine."""
    return (
        Image.from_("127.0.0.1:5000/framework/busybox:stable", platform="linux/arm64")
        .workdir("/srv")
        .run("uname -m > built-on && mkdir -p data && echo ok > data/state")
        .env(APP_ARCH="arm64")
        .cmd(["cat", "/srv/built-on"])
    )
