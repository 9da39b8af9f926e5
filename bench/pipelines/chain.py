"""A 2,000-step chain, described, compiled and rendered: ``python chain.py`` is the
whole-process case (no daemon)."""

from __future__ import annotations

from framework import Image, compile, render


def chain(steps: int = 2000) -> Image:
    """``steps`` alternating env and run steps on one stage."""
    image = Image.from_("debian:bookworm-slim").workdir("/app")
    for i in range(steps):
        image = image.run(["echo", str(i)]) if i % 2 else image.env({f"V{i}": str(i)})
    return image


if __name__ == "__main__":
    render(compile(chain()))
