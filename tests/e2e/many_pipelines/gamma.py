"""One of three small pipelines built together by tests/e2e/test_build_many.py; all
three start from the same base stage, which BuildKit builds once."""

from __future__ import annotations

from framework import Image, Inline


def gamma(nonce: str = "") -> Image:
    """The shared base (fresh for each ``nonce``), plus a file naming this pipeline."""
    base = (
        Image.from_("debian:bookworm-slim")
        .run(["sh", "-c", f"echo shared {nonce} > /shared.txt"])
        .named("base")
    )
    return Image.from_(base).copy(Inline("gamma\n"), "/which.txt")
