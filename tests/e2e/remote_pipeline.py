"""The pipeline the remote-host tests build on test hosts: a copy from the context, then
a RUN that needs a secret (both served by the client, here, to the remote daemon) and
writes a random stamp, so equal stamps on two hosts mean a cache hit."""

from __future__ import annotations

from framework import Context, Image, Secret

APP = Context("../../examples/flask_app", include="app.py")
TOKEN = Secret.env("FW_REMOTE_TOKEN")


def stamped() -> Image:
    """debian with the Flask example's app.py and a random stamp in /srv/stamp; the build
    needs ``$FW_REMOTE_TOKEN`` (it fails when the secret does not reach the RUN step)."""
    return (
        Image.from_("debian:bookworm-slim")
        .workdir("/srv")
        .copy(APP / "app.py", ".")
        .run(
            "test -s /run/token && head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n' > stamp",
            secrets=[TOKEN.as_file("/run/token")],
        )
    )
