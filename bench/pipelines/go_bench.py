"""pipelines/go_app.py with a nonce file copied first in the build stage (as
bench/handwritten/go's Dockerfile does). ``python go_bench.py`` builds ``$BENCH_TAG``."""

from __future__ import annotations

import os

from framework import Context, Image, build, run_script

SOURCE = Context("app")


def go_bench(source: Context = SOURCE) -> Image:
    """The Go example: compile in ``golang:1.19``, ship the static binary alone."""
    builder = (
        Image.from_("golang:1.19")
        .named("go-build")
        .copy(source / "nonce.txt", "/nonce.txt")
        .workdir("/src")
        .copy(source, ".")
        .run(
            ["go", "build", "-trimpath", "-o", "/out/hello", "."],
            env={"CGO_ENABLED": "0"},
            cache=["/root/.cache/go-build", "/go/pkg/mod"],
        )
    )
    return Image.scratch().copy(builder / "/out/hello", "/hello").entrypoint(["/hello"])


if __name__ == "__main__":
    run_script(lambda: build(go_bench(), tag=os.environ["BENCH_TAG"]))
