"""Run mounts in the plan, its digests and the rendered Dockerfile."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework import Bind, CacheMount, Context, Image, Tmpfs, compile, render
from framework.plan import RunOp
from framework.plan.binds import ContextBind, StageBind
from framework.plan.content import FileDigests


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.go").write_text("package main\n")
    (tmp_path / "src" / "notes.log").write_text("ignored\n")
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / ".dockerignore").write_text("*.log\n**/*.log\n")
    return Context(tmp_path)


def _run_lines(image: Image) -> list[str]:
    return [
        line for line in render(compile(image)).dockerfile.splitlines() if line.startswith("RUN")
    ]


def test_a_context_bind_is_staged_like_a_copy_and_mounted(ctx: Context) -> None:
    image = Image.from_("python:3.11-slim").run(
        "pip install -r /tmp/requirements.txt",
        mounts=Bind(ctx / "requirements.txt", "/tmp/requirements.txt"),
    )
    rendered = render(compile(image))
    (entry,) = rendered.context
    assert entry.source == ctx / "requirements.txt"
    (line,) = _run_lines(image)
    assert line.startswith(
        f"RUN --mount=type=bind,source={entry.name},target=/tmp/requirements.txt ["
    )


def test_a_copy_and_a_bind_of_one_path_share_a_context_entry(ctx: Context) -> None:
    image = (
        Image.from_("x")
        .copy(ctx / "src", "/app")
        .run("ls", mounts=Bind(ctx / "src", "/src", rw=True))
    )
    rendered = render(compile(image))
    (entry,) = rendered.context
    assert f"--mount=type=bind,source={entry.name},target=/src,rw " in rendered.dockerfile


def test_a_stage_bind_makes_the_other_image_a_stage(ctx: Context) -> None:
    builder = Image.from_("golang:1.19").run("go build -o /out/app").named("builder")
    image = Image.from_("debian:bookworm-slim").run(
        "cp /in/app /usr/local/bin/", mounts=Bind(builder / "/out", "/in")
    )
    plan = compile(image)
    assert [s.name for s in plan.stages] == ["builder", "stage-1"]
    assert plan.target.depends_on == (plan.stages[0].id,)
    (op,) = plan.target.steps
    assert isinstance(op, RunOp)
    assert op.mounts == (StageBind(plan.stages[0].id, "/out", "/in", False),)
    assert _run_lines(image)[-1].startswith(
        "RUN --mount=type=bind,source=/out,target=/in,from=builder ["
    )
    assert render(plan).context == ()


def test_tmpfs_renders_its_size_in_bytes() -> None:
    image = Image.from_("x").run("make", mounts=[Tmpfs("/tmp/a"), Tmpfs("/tmp/b", size=1 << 20)])
    (line,) = _run_lines(image)
    assert (
        "--mount=type=tmpfs,target=/tmp/a --mount=type=tmpfs,target=/tmp/b,size=1048576 [" in line
    )


@pytest.mark.parametrize(
    ("mount", "options"),
    [
        (CacheMount(target="/c", id="c"), "type=cache,target=/c,id=c"),
        (
            CacheMount(target="/c", id="c", sharing="private"),
            "type=cache,target=/c,id=c,sharing=private",
        ),
        (
            CacheMount(target="/c", id="c", sharing="locked"),
            "type=cache,target=/c,id=c,sharing=locked",
        ),
        (CacheMount(target="/c", id="c", mode=0o700), "type=cache,target=/c,id=c,mode=0700"),
        (
            CacheMount(target="/c", id="c", uid=1000, gid=100),
            "type=cache,target=/c,id=c,uid=1000,gid=100",
        ),
        (CacheMount(target="/c", id="c", gid=5), "type=cache,target=/c,id=c,gid=5"),
    ],
)
def test_cache_options_are_written_only_when_not_the_frontends_default(
    mount: CacheMount, options: str
) -> None:
    (line,) = _run_lines(Image.from_("x").run("make", cache=mount))
    assert line.startswith(f"RUN --mount={options} [")


def test_the_default_cache_id_is_the_pipelines() -> None:
    (line,) = _run_lines(Image.from_("x").run("make", cache="/c"))
    assert line.startswith("RUN --mount=type=cache,target=/c,id=pipeline-")


# -- digests ---------------------------------------------------------------------------


def _target_digest(image: Image) -> str:
    from framework.plan.digest import step_digests

    plan = compile(image)
    return step_digests(plan, FileDigests())[plan.target.id][-1]


def test_the_digest_covers_a_bound_context_files_content(ctx: Context) -> None:
    def image() -> Image:
        return Image.from_("x").run("ls", mounts=Bind(ctx / "src", "/src"))

    before = _target_digest(image())
    (ctx.path / "src" / "notes.log").write_text("changed, but ignored\n")
    assert _target_digest(image()) == before  # .dockerignore applies, as for copies
    (ctx.path / "src" / "main.go").write_text("package main // changed\n")
    assert _target_digest(image()) != before


def test_the_digest_covers_a_bound_stages_digest() -> None:
    def image(build: str) -> Image:
        builder = Image.from_("golang:1.19").run(build)
        return Image.from_("x").run("ls /in", mounts=Bind(builder / "/out", "/in"))

    assert _target_digest(image("make a")) != _target_digest(image("make b"))
    assert _target_digest(image("make a")) == _target_digest(image("make a"))


def test_the_digest_covers_every_mount_option(ctx: Context) -> None:
    base = Image.from_("x")
    variants = {
        "none": base.run("ls"),
        "bind": base.run("ls", mounts=Bind(ctx / "src", "/src")),
        "bind rw": base.run("ls", mounts=Bind(ctx / "src", "/src", rw=True)),
        "bind target": base.run("ls", mounts=Bind(ctx / "src", "/s")),
        "bind other": base.run("ls", mounts=Bind(ctx / "requirements.txt", "/src")),
        "tmpfs": base.run("ls", mounts=Tmpfs("/src")),
        "tmpfs size": base.run("ls", mounts=Tmpfs("/src", size=4096)),
        "cache": base.run("ls", cache=CacheMount(target="/src", id="c")),
        "cache private": base.run("ls", cache=CacheMount(target="/src", id="c", sharing="private")),
        "cache mode": base.run("ls", cache=CacheMount(target="/src", id="c", mode=0o700)),
        "cache uid": base.run("ls", cache=CacheMount(target="/src", id="c", uid=1)),
        "cache gid": base.run("ls", cache=CacheMount(target="/src", id="c", gid=1)),
    }
    digests = {name: _target_digest(image) for name, image in variants.items()}
    assert len(set(digests.values())) == len(digests), digests


def test_a_context_bind_lowers_to_its_source(ctx: Context) -> None:
    plan = compile(Image.from_("x").run("ls", mounts=Bind(ctx, "/src")))
    (op,) = plan.target.steps
    assert isinstance(op, RunOp)
    assert op.mounts == (ContextBind(ctx / ".", "/src", False),)


def test_the_stage_graph_labels_a_bound_stage() -> None:
    from framework.render.graph import to_mermaid

    builder = Image.from_("golang:1.19").run("make").named("builder")
    image = Image.from_("x").run("ls", mounts=Bind(builder / "/out", "/in"))
    assert "-->|bind|" in to_mermaid(compile(image))
    assert "-->|copy|" in to_mermaid(compile(image.copy(builder / "/out", "/out")))
