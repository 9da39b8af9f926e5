"""The pipeline whose real ``--progress=plain`` output is recorded here, per daemon.

Record again with ``python -m tests.engines.progress.record NAME`` against a daemon
(DOCKER_HOST / FRAMEWORK_DOCKER as for the e2e suite): it writes ``NAME-cold.txt`` (every
step runs: its builder cache for these steps is pruned first) and ``NAME-warm.txt``.
"""

from __future__ import annotations

from framework import Image, Inline

STAMP = "progress-fixture-3"  # change it to make the recorded steps run again


def pipeline() -> Image:
    """A scratch stage copying from an image stage and from a stage FROM that stage:
    the two kinds of stage BuildKit shows without a FROM vertex."""
    builder = (
        Image.from_("debian:bookworm-slim")
        .named("builder")
        .workdir("/out")
        .run(f"echo {STAMP} > /out/a && echo b > /out/b")
    )
    child = Image.from_(builder).named("child").run(f"echo {STAMP}-c > /out/c")
    return (
        Image.scratch()
        .copy(child / "/out/a", "/a")
        .copy(builder / "/out/b", "/b")
        .copy(Inline("x\n"), "/x")
        .env(NOTE="recorded")
        .copy(child / "/out/c", "/c")
    )
