"""The Dockerfile beside this file, written as a pipeline."""

from pathlib import Path

from framework import Bind, Context, Image, Tmpfs

CONTEXT = Context(Path(__file__).parent)


def python_pip_bind_mount() -> Image:
    """Requirements bound for the install, never copied; pip's cache in a cache mount."""
    return (
        Image.from_("python:3.11-slim")
        .workdir("/app")
        .run(
            "pip install --disable-pip-version-check -r /tmp/requirements.txt",
            mounts=Bind(CONTEXT / "requirements.txt", "/tmp/requirements.txt"),
            cache="/root/.cache/pip",
        )
        .copy(CONTEXT / "app.py", ".")
        .run("python app.py > /app/signed.txt", mounts=Tmpfs("/tmp"))
        .user("1000:1000")
        .cmd(["python", "app.py"])
    )
