"""The pipeline the remote-host test builds on two test hosts: a copy from the context,
then a RUN whose output is random, so equal output on two hosts means a cache hit."""

from __future__ import annotations

from framework import Context, Image

APP = Context("../../examples/flask_app", include="app.py")


def stamped() -> Image:
    """debian with the Flask example's app.py and a random stamp in /srv/stamp."""
    return (
        Image.from_("debian:bookworm-slim")
        .workdir("/srv")
        .copy(APP / "app.py", ".")
        .run("head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n' > /srv/stamp")
    )
