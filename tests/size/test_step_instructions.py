"""The renderer's record of the instructions it wrote per step
(``RenderedBuild.instructions``), which the size report pairs with history entries:
checked against the Dockerfile text itself, read by an independent parser, for a plan
holding every kind of op and each of the plan's multi-stage splits."""

from __future__ import annotations

import dataclasses
import gzip
import io
import itertools
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest
from dockerfile_parse import DockerfileParser

from framework import (
    Bind,
    CacheMount,
    Context,
    Image,
    Inline,
    Secret,
    Tmpfs,
    Url,
    compile,
    render,
)
from framework.plan import (
    AddArchiveOp,
    AddUrlOp,
    BuildPlan,
    EnvOp,
    LabelOp,
    PlanStep,
    RunOp,
    StageCopyOp,
)
from framework.render.features import Features
from framework.size.mapping import history_offset, lineage_steps

SHA = "ab" * 32


def _archive() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo("pkg/file")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"one"))
    return gzip.compress(out.getvalue(), mtime=0)


@pytest.fixture
def plan(tmp_path: Path) -> BuildPlan:
    """Every op kind, in the variants that render differently."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.c").write_text("int main(void) { return 0; }\n")
    (tmp_path / "app.conf").write_text("port = 1\n")
    (tmp_path / "vendor.tar.gz").write_bytes(_archive())
    ctx = Context(tmp_path)
    build = (
        Image.from_("debian:bookworm-slim")
        .arg("TARGETARCH", VERSION="1.2")
        .workdir("/src")
        .copy(ctx / "src", "/src")
        .env(NOTES="one\ntwo")  # a multi-line value: ARG + ENV, and the next RUN splits
        .run("cc -o /out/app main.c", cache=CacheMount(target="/root/.cache", id="cc"))
        .run("true", mounts=[Bind(ctx / "app.conf", "/etc/app.conf"), Tmpfs("/tmp")])
        .run("cat /run/secrets/t", secrets=[Secret.env("T").as_file("/run/secrets/t")])
        .run("date > /stamp", no_cache=True)  # ARG FRAMEWORK_NO_CACHE + RUN
        .run(["true"], network=False)
    )
    # FROM scratch with an earlier copy: COPY --link where the features allow it.
    files = (
        Image.scratch()
        .copy(Inline("x\n"), "/etc/x")
        .copy(build / "/out/app", "/bin/app", owner="1000")
    )
    final = (
        Image.from_(files)
        .add(ctx / "vendor.tar.gz", "/opt/")
        .add(Url("http://127.0.0.1:1/tool", sha256=SHA), "/opt/tool", mode=0o755)
        .copy(ctx / "app.conf", "/etc/app/", owner="1000:1000", mode=0o640)
        .env(A="1", PATH="/opt:$PATH", expand=True)
        .env(B="2", C="three\r\nlines")  # one multi-line value among single-line ones
        .label(title="App", note="line one\nline two")  # the single-line one only
        .label(description="only\nmulti-line")  # none: the build command sets it
        .user("1000")
        .expose(8080)
        .expose(53, "udp")
        .shell(["/bin/bash", "-c"])
        .entrypoint(["/bin/app"])
        .cmd("serve --port 8080")
        .healthcheck(["/bin/app", "check"], interval=5, retries=2)
        .healthcheck("/bin/app check || exit 1")
        .healthcheck(None)
        .volume("/data", "/logs")
        .stopsignal("SIGTERM")
        .env(D="four\nlines")  # multi-line, with no RUN after it
        .run("ls")
    )
    return compile(final)


def _every_features() -> list[Features]:
    names = [f.name for f in dataclasses.fields(Features)]
    return [
        Features(**dict(zip(names, values, strict=True)))
        for values in itertools.product((False, True), repeat=len(names))
    ]


def _written(dockerfile: str) -> list[str]:
    """The instructions of the Dockerfile's lines that are no FROM, in order, as
    dockerfile_parse reads them."""
    parser = DockerfileParser(fileobj=io.BytesIO(dockerfile.encode()))
    return [
        i["instruction"] for i in parser.structure if i["instruction"] not in ("FROM", "COMMENT")
    ]


def test_the_plan_holds_every_kind_of_op(plan: BuildPlan) -> None:
    kinds = {type(step) for stage in plan.stages for step in stage.steps}
    assert kinds == set(get_args(PlanStep))


@pytest.mark.parametrize("features", _every_features(), ids=repr)
def test_the_record_is_the_instruction_of_each_line_written(
    plan: BuildPlan, features: Features
) -> None:
    rendered = render(plan, features)
    # One record per step of the plan, in the plan's order.
    assert [(r.stage, r.step) for r in rendered.instructions] == [
        (stage.name, number) for stage in plan.stages for number in range(len(stage.steps))
    ]
    # The Dockerfile's lines are the records' words in order, FROM lines aside.
    recorded = [word for r in rendered.instructions for word in r.words]
    assert recorded == _written(rendered.dockerfile)
    # Each step's lines, one by one: the next lines of the Dockerfile after the lines
    # of the steps before it.
    lines = [
        line for line in rendered.dockerfile.splitlines() if line and not line.startswith("FROM ")
    ]
    cursor = 0
    for record in rendered.instructions:
        mine = lines[cursor : cursor + len(record.words)]
        assert [line.split(" ", 1)[0] for line in mine] == list(record.words)
        cursor += len(record.words)
    assert cursor == len(lines)


def test_the_steps_that_write_no_line_or_two(plan: BuildPlan) -> None:
    words = {(r.stage, r.step): r.words for r in render(plan).instructions}

    def written(kind: type, test: Callable[[Any], bool] = lambda _: True) -> set[tuple[str, ...]]:
        return {
            words[(stage.name, number)]
            for stage in plan.stages
            for number, step in enumerate(stage.steps)
            if isinstance(step, kind) and test(step)
        }

    def multi(step: EnvOp) -> bool:
        return any("\n" in v or "\r" in v for _, v in step.values)

    assert written(LabelOp, lambda s: all("\n" in v for _, v in s.values)) == {()}
    assert written(LabelOp, lambda s: not all("\n" in v for _, v in s.values)) == {("LABEL",)}
    assert written(EnvOp, multi) == {("ARG", "ENV")}
    assert written(EnvOp, lambda s: not multi(s)) == {("ENV",)}
    assert written(RunOp, lambda s: s.no_cache) == {("ARG", "RUN")}
    assert written(RunOp, lambda s: not s.no_cache) == {("RUN",)}
    assert written(AddUrlOp) == {("COPY",)}
    assert written(AddArchiveOp) == {("ADD",)}
    assert written(StageCopyOp) == {("COPY",)}


def test_the_instruction_words_do_not_depend_on_the_features(plan: BuildPlan) -> None:
    # Why the size report renders with BASELINE whatever the daemon: only flags change.
    records = {f: render(plan, f).instructions for f in _every_features()}
    assert len(set(records.values())) == 1
    assert len({render(plan, f).dockerfile for f in _every_features()}) > 1  # --link


def test_a_step_of_two_lines_takes_two_history_entries() -> None:
    # The history BuildKit (Docker 20.10) records for this image: the ARG lines of the
    # multi-line env value and of the no_cache run step are entries of their own.
    image = (
        Image.from_("debian:bookworm-slim")
        .run("head -c 1000 /dev/zero > /a")
        .env(NOTE="line one\nline two")
        .run("head -c 2000 /dev/zero > /b")
        .run("head -c 3000 /dev/zero > /c", no_cache=True)
        .label(x="1\n2")
        .cmd(["true"])
    )
    history = [
        "",
        "RUN /bin/sh -c head -c 1000 /dev/zero > /a # buildkit",
        "ARG NOTE",
        "ENV NOTE=line one\nline two",
        "RUN /bin/sh -c head -c 2000 /dev/zero > /b # buildkit",
        "ARG FRAMEWORK_NO_CACHE",
        "RUN |1 FRAMEWORK_NO_CACHE=610cf3e5 /bin/sh -c head -c 3000 /dev/zero > /c # buildkit",
        'CMD ["true"]',
    ]
    plan = compile(image)
    steps = lineage_steps(plan, plan.target)
    assert [words for _, _, words in steps] == [
        ("RUN",),
        ("ARG", "ENV"),
        ("RUN",),
        ("ARG", "RUN"),
        (),
        ("CMD",),
    ]
    assert history_offset(history, steps) == 1
    assert history_offset(history[:2] + history[3:], steps) is None  # an ARG entry missing
