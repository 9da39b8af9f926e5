"""A small copy out of a 20,000-file context. ``python big_context.py`` builds
``$BENCH_TAG``."""

from __future__ import annotations

import os

from framework import Context, Image, build, run_script

APP = Context("app")


def big_context(app: Context = APP) -> Image:
    """``src`` of a context that holds many other files."""
    return (
        Image.from_("python:3.11-slim")
        .workdir("/app")
        .copy(app / "src", "src")
        .cmd(["python", "src/main.py"])
    )


if __name__ == "__main__":
    run_script(lambda: build(big_context(), tag=os.environ["BENCH_TAG"]))
