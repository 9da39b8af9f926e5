"""``ARG`` in the rendered Dockerfile."""

from __future__ import annotations

import pytest

from framework import Image, SpecError, compile, render

BASE = Image.from_("debian:bookworm-slim")


def _lines(image: Image) -> list[str]:
    return render(compile(image)).dockerfile.splitlines()[1:]


def test_an_arg_is_written_with_its_value_quoted_as_an_env_value() -> None:
    image = BASE.arg(V='a "b" $c \\d').env(E='a "b" $c \\d').run("x")
    assert _lines(image) == [
        'ARG V="a \\"b\\" \\$c \\\\d"',
        'ENV E="a \\"b\\" \\$c \\\\d"',
        'RUN ["/bin/sh", "-c", "x"]',
    ]


def test_one_arg_step_is_one_line_and_a_platform_variable_is_declared_by_name() -> None:
    assert _lines(BASE.arg("TARGETARCH", "TARGETOS", V="1")) == ['ARG TARGETARCH TARGETOS V="1"']


def test_a_child_stage_declares_nothing_buildkit_passes_the_values_on() -> None:
    parent = BASE.arg(V="1").run("p")
    text = render(compile(Image.from_(parent).run("c"))).dockerfile
    child = text.split("\n\n")[1]
    assert "ARG" not in child


def test_a_multiline_env_splitting_the_stage_declares_nothing_again() -> None:
    # The stage FROM the segment before inherits the ARG values (see the e2e test).
    image = BASE.arg(V="1").env(M="a\nb").arg(V="2", W="w").run("x")
    assert render(compile(image)).dockerfile.splitlines() == [
        "FROM debian:bookworm-slim AS stage-stage-0.1",
        'ARG V="1"',
        "ARG M",
        "ENV M=${M}",
        'ARG V="2" W="w"',
        "FROM stage-stage-0.1 AS stage-0",
        'RUN ["/bin/sh", "-c", "x"]',
    ]


def test_an_arg_named_like_a_multiline_env_is_refused() -> None:
    with pytest.raises(SpecError, match="arg M shares its name"):
        render(compile(BASE.arg(M="1").env(M="a\nb").run("x")))


def test_an_arg_is_not_a_build_step_vertex() -> None:
    rendered = render(compile(BASE.arg(V="1").run("x")))
    assert [v.step for v in rendered.vertices] == [None, 1]
