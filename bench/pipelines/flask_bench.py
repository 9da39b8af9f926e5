"""pipelines/flask_app.py with a nonce file copied first (as bench/handwritten/flask's
Dockerfile does): a new nonce makes every later step miss the cache, for a cold build
that leaves the daemon's other cache alone. ``python flask_bench.py`` builds and tags
``$BENCH_TAG``."""

from __future__ import annotations

import os

from framework import Context, Image, build, run_script

APP = Context("app")


def flask_bench(app: Context = APP) -> Image:
    """The Flask example, after ``/nonce.txt``."""
    return (
        Image.from_("python:3.11-slim")
        .copy(app / "nonce.txt", "/nonce.txt")
        .workdir("/app")
        .copy(app / "requirements.txt", ".")
        .run("pip install -r requirements.txt", cache="/root/.cache/pip")
        .copy(app / "app.py", ".")
        .expose(5000)
        .cmd(["python", "app.py"])
    )


if __name__ == "__main__":
    run_script(lambda: build(flask_bench(), tag=os.environ["BENCH_TAG"]))
