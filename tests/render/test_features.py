"""Rendering for a frontend with more features: newer syntax only where it means the same."""

from __future__ import annotations

from framework import Image, Inline, compile, render
from framework.render.features import BASELINE, Features

NEW = Features(copy_link=True)


def _builder() -> Image:
    return Image.from_("debian:bookworm-slim").named("builder").run("mkdir -p /out/d")


def _copies(rendered: str) -> list[str]:
    return [line for line in rendered.splitlines() if line.startswith("COPY")]


def test_copy_link_only_where_the_destination_is_known_to_be_free() -> None:
    builder = _builder()
    image = (
        Image.scratch()
        .copy(builder / "/out/a", "/a")  # first step: nothing beneath to link over
        .copy(builder / "/out/b", "/b")  # beside /a: linked
        .copy(builder / "/out/d", "/a/d")  # inside /a: a plain COPY
        .copy(builder / "/out/e", "/e", owner="app")  # a name needs /etc/passwd
        .copy(builder / "/out/f", "/f", mode=0o600)  # BuildKit drops --link with --chmod
        .copy(Inline("x"), "/x")
        .copy(builder / "/out/g", "/g")
    )
    plan = compile(image)
    copies = _copies(render(plan, NEW).dockerfile)
    assert ["--link" in line for line in copies] == [False, True, False, False, False, False, True]
    assert "--link" not in render(plan, BASELINE).dockerfile
    assert render(plan).dockerfile == render(plan, BASELINE).dockerfile  # the default


def test_no_copy_link_on_an_image_or_after_a_run() -> None:
    builder = _builder()
    on_image = (
        Image.from_("debian:bookworm-slim").copy(builder / "/o", "/a").copy(builder / "/p", "/b")
    )
    after_run = (
        Image.scratch().copy(builder / "/bin/sh", "/sh").run(["/sh", "-c", "true"])
        .copy(builder / "/p", "/b")
    )  # fmt: skip
    for image in (on_image, after_run):
        assert "--link" not in render(compile(image), NEW).dockerfile


def test_same_plan_and_features_render_the_same_bytes() -> None:
    builder = _builder()
    image = Image.scratch().copy(builder / "/a", "/a").copy(builder / "/b", "/b")
    assert render(compile(image), NEW) == render(compile(image), NEW)
