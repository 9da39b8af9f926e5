"""The renderer: a file is sent under the name it keeps inside an existing directory;
``keep_owner`` writes no ``--chown``; a ``no_cache`` run step gets a fresh build
argument in a Dockerfile stage of its own."""

from __future__ import annotations

from pathlib import Path

from framework import Context, Image, Inline, compile, render
from framework.engines.staging import stage_context
from framework.render import NO_CACHE_ARG

BASE = "debian:bookworm-slim"


def test_a_file_is_sent_in_a_directory_under_its_own_name(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "f.txt").write_text("hello\n")
    image = Image.from_(BASE).copy(Context(root) / "f.txt", "/app")
    rendered = render(compile(image))
    (entry,) = rendered.context
    assert entry.file_name == "f.txt"
    assert f'COPY ["{entry.name}/f.txt", "/app"]' in rendered.dockerfile
    staged = tmp_path / "staged"
    stage_context(rendered.context, staged)
    assert (staged / entry.name / "f.txt").read_text() == "hello\n"
    assert [p.name for p in (staged / entry.name).iterdir()] == ["f.txt"]


def test_inline_content_is_sent_under_its_destinations_name(tmp_path: Path) -> None:
    image = Image.from_(BASE).copy(Inline("a=1\n"), "/etc/app.conf")
    rendered = render(compile(image))
    (entry,) = rendered.context
    assert f'COPY ["{entry.name}/app.conf", "/etc/app.conf"]' in rendered.dockerfile
    stage_context(rendered.context, tmp_path / "staged")
    assert (tmp_path / "staged" / entry.name / "app.conf").read_bytes() == b"a=1\n"


def test_keep_owner_writes_no_chown() -> None:
    builder = Image.from_(BASE).run("make").named("builder")
    image = (
        Image.from_(BASE)
        .copy(builder / "/out", "/srv", keep_owner=True)
        .copy(builder / "/out", "/opt")
    )
    text = render(compile(image)).dockerfile
    assert 'COPY --from=builder ["/out", "/srv"]\n' in text
    assert 'COPY --from=builder --chown=0:0 ["/out", "/opt"]\n' in text


def test_a_no_cache_run_step_sees_a_fresh_argument_and_the_rest_does_not() -> None:
    image = (
        Image.from_(BASE)
        .run("echo before")
        .run("date +%s%N > /stamp", no_cache=True)
        .workdir("/srv")
        .run("echo after")
    )
    plan = compile(image)
    rendered = render(plan)
    assert rendered.fresh_args == (NO_CACHE_ARG,)
    assert rendered.build_args == ()
    assert rendered.dockerfile == (
        f"FROM {BASE} AS stage-{plan.target.name}.1\n"
        'RUN ["/bin/sh", "-c", "echo before"]\n'
        f"ARG {NO_CACHE_ARG}\n"
        'RUN ["/bin/sh", "-c", "date +%s%N > /stamp"]\n'
        'WORKDIR "/srv"\n'
        f"FROM stage-{plan.target.name}.1 AS {plan.target.name}\n"
        'RUN ["/bin/sh", "-c", "echo after"]\n'
    )
    # every filesystem step still maps to a vertex BuildKit shows
    assert [(v.name, v.index, v.step) for v in rendered.vertices] == [
        (f"stage-{plan.target.name}.1", 1, None),
        (f"stage-{plan.target.name}.1", 2, 0),
        (f"stage-{plan.target.name}.1", 3, 1),
        (f"stage-{plan.target.name}.1", 4, 2),
        (plan.target.name, 1, 3),
    ]


def test_without_no_cache_there_is_no_fresh_argument() -> None:
    rendered = render(compile(Image.from_(BASE).run("true")))
    assert rendered.fresh_args == ()
    assert "ARG" not in rendered.dockerfile
