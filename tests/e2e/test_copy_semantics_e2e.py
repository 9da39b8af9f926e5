"""Copies as a Dockerfile user expects them, and per-step ``no_cache``, on the real daemon.

A file copied onto an existing directory (made by a run step, by the base image, by a
workdir) lands inside it, as ``docker build`` puts it; ``keep_owner=True`` keeps the
owners of the stage's files as ``COPY --from`` does; ``run(..., no_cache=True)`` runs that
step (and the ones after it) again on every build while earlier steps stay cached, and
the build record never answers such a build.
"""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from framework import Context, Image, SilentProgress, build, explain
from tests.e2e.conftest import Docker
from tests.e2e.image_compare import assert_same_image, tree

pytestmark = pytest.mark.e2e

BASE = "debian:bookworm-slim"


def docker_build(docker: Docker, context: Path, dockerfile: str, tag: str) -> None:
    """``docker build`` of ``dockerfile`` in ``context``, through the engine's client."""
    (context / "Dockerfile").write_text(textwrap.dedent(dockerfile))
    engine = docker.engine
    argv = engine.client.build_command()
    if engine.capabilities.builder:
        argv += ["--builder", engine.capabilities.builder, "--provenance=false"]
    done = subprocess.run(
        [*argv, "-q", "-t", tag, str(context)],
        capture_output=True, text=True, env=engine.client.environment(), timeout=600,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.fixture
def context(tmp_path: Path) -> Path:
    root = tmp_path / "ctx"
    root.mkdir()
    (root / "f.txt").write_text("hello from f.txt\n")
    return root


ONTO_DIRECTORIES: dict[str, tuple[str, Callable[[Context], Image]]] = {
    "made-by-run": (
        """\
        FROM debian:bookworm-slim
        RUN mkdir /app
        COPY f.txt /app
        RUN cat /app/f.txt > /copied
        """,
        lambda ctx: (
            Image.from_(BASE)
            .run("mkdir /app")
            .copy(ctx / "f.txt", "/app")
            .run("cat /app/f.txt > /copied")
        ),
    ),
    "in-the-base-image": (
        """\
        FROM debian:bookworm-slim
        COPY f.txt /etc/apt
        RUN cat /etc/apt/f.txt > /copied
        """,
        lambda ctx: (
            Image.from_(BASE).copy(ctx / "f.txt", "/etc/apt").run("cat /etc/apt/f.txt > /copied")
        ),
    ),
    "made-by-workdir": (
        """\
        FROM debian:bookworm-slim
        WORKDIR /srv/www
        COPY f.txt /srv/www
        RUN cat /srv/www/f.txt > /copied
        """,
        lambda ctx: (
            Image.from_(BASE)
            .workdir("/srv/www")
            .copy(ctx / "f.txt", "/srv/www")
            .run("cat /srv/www/f.txt > /copied")
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(ONTO_DIRECTORIES))
def test_a_file_onto_an_existing_directory_lands_inside_as_with_docker_build(
    case: str, docker: Docker, context: Path
) -> None:
    dockerfile, pipeline = ONTO_DIRECTORIES[case]
    ours, theirs = docker.tag(f"copysem-onto-{case}"), docker.tag(f"copysem-onto-{case}-docker")
    build(pipeline(Context(context)), tag=ours, progress=SilentProgress(), lint="off")
    docker_build(docker, context, dockerfile, theirs)
    assert docker.run(ours, "cat", "/copied") == "hello from f.txt\n"
    assert_same_image(docker, ours, theirs)


STAGE_WITH_OWNERS = """\
    FROM debian:bookworm-slim AS build
    RUN mkdir -p /out/data && echo x > /out/data/x && chown -R 1234:2345 /out \\
        && echo y > /out/tool && chown 42:43 /out/tool && chmod 750 /out/tool
    FROM debian:bookworm-slim
    COPY --from=build /out /srv
    COPY --from=build /out/tool /usr/local/bin
    """


def _owners_pipeline(keep_owner: bool) -> Image:
    stage = (
        Image.from_(BASE)
        .named("build")
        .run(
            "mkdir -p /out/data && echo x > /out/data/x && chown -R 1234:2345 /out "
            "    && echo y > /out/tool && chown 42:43 /out/tool && chmod 750 /out/tool"
        )
    )
    return (
        Image.from_(BASE)
        .copy(stage / "/out", "/srv", keep_owner=keep_owner)
        .copy(stage / "/out/tool", "/usr/local/bin", keep_owner=keep_owner)
    )


def test_keep_owner_gives_the_stages_owners_as_copy_from_does(
    docker: Docker, context: Path
) -> None:
    ours, theirs = docker.tag("copysem-keep-owner"), docker.tag("copysem-keep-owner-docker")
    build(_owners_pipeline(keep_owner=True), tag=ours, progress=SilentProgress(), lint="off")
    docker_build(docker, context, STAGE_WITH_OWNERS, theirs)
    assert_same_image(docker, ours, theirs)
    files = tree(docker, ours)
    assert files["/srv/data/x"][2:4] == (1234, 2345)
    assert files["/usr/local/bin/tool"][2:4] == (42, 43)
    mode = files["/usr/local/bin/tool"][1]
    assert isinstance(mode, int)
    assert mode & 0o7777 == 0o750

    rooted = docker.tag("copysem-root-owner")
    build(_owners_pipeline(keep_owner=False), tag=rooted, progress=SilentProgress(), lint="off")
    files = tree(docker, rooted)
    assert files["/srv/data/x"][2:4] == (0, 0)  # the framework's default: root
    assert files["/usr/local/bin/tool"][2:4] == (0, 0)


def _stamped(no_cache: bool) -> Image:
    return (
        Image.from_(BASE)
        .run("echo steady > /steady")
        .run("date +%s%N > /stamp", no_cache=no_cache)
        .run("cp /stamp /after")
    )


def test_a_no_cache_step_runs_on_every_build_and_the_record_never_answers(
    docker: Docker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # a record of our own
    tag = docker.tag("copysem-no-cache")
    first = build(_stamped(no_cache=True), tag=tag, progress=SilentProgress(), lint="off")
    stamp = docker.run(tag, "cat", "/stamp")
    explained = explain(_stamped(no_cache=True), tag=tag)
    assert [(s.prediction, s.cause) for s in explained.steps] == [
        ("cached", "unchanged"),
        ("rebuilt", "no-cache"),
        ("rebuilt", "parent"),
    ]
    assert not explained.from_record

    second = build(_stamped(no_cache=True), tag=tag, progress=SilentProgress(), lint="off")
    assert not second.from_record
    assert [s.status for s in second.steps] == ["cached", "executed", "executed"]
    assert second.plan_digest == first.plan_digest  # the nonce is not in the plan
    assert second.image_id != first.image_id
    again = docker.run(tag, "cat", "/stamp", "/after").splitlines()
    assert again[0] != stamp.strip()
    assert again[0] == again[1]
    env = docker.inspect(tag)["Config"]
    assert isinstance(env, dict)
    assert not [e for e in env.get("Env") or [] if "FRAMEWORK_NO_CACHE" in e]

    # The same pipeline without no_cache is answered from the record the second time.
    plain = docker.tag("copysem-no-cache-off")
    build(_stamped(no_cache=False), tag=plain, progress=SilentProgress(), lint="off")
    assert build(
        _stamped(no_cache=False), tag=plain, progress=SilentProgress(), lint="off"
    ).from_record
