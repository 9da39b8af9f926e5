"""RUN --mount=type=bind|tmpfs|cache imported as Bind, Tmpfs and CacheMount, and the
pipeline renders the mounts the Dockerfile has."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework import Bind, CacheMount, Tmpfs, render
from framework.importer.generate import ram_bytes
from framework.plan import compile as compile_plan
from framework.spec import ContextPath, Run, StagePath
from tests.importer.test_import_generate import _image, _module


def test_bind_mounts_of_the_context_and_of_a_stage(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        "FROM golang:1.19 AS build\n"
        "RUN --mount=type=bind,target=/src,rw go build -o /out/app /src\n"
        "FROM debian:bookworm-slim\n"
        "RUN --mount=type=bind,source=app.txt,target=/tmp/app.txt \\\n"
        "    --mount=type=bind,from=build,source=/out,target=/mnt,readonly cp /mnt/app /tmp/\n",
    )
    image = _image(module)
    (run,) = image.steps
    assert isinstance(run, Run)
    context_bind, stage_bind = run.mounts
    assert isinstance(context_bind, Bind)
    assert isinstance(context_bind.source, ContextPath)
    assert (context_bind.source.path, context_bind.target, context_bind.rw) == (
        "app.txt",
        "/tmp/app.txt",
        False,
    )
    assert isinstance(stage_bind, Bind)
    assert isinstance(stage_bind.source, StagePath)
    assert (stage_bind.source.path, stage_bind.target, stage_bind.rw) == ("/out", "/mnt", False)
    (build_run,) = stage_bind.source.image.steps
    assert isinstance(build_run, Run)
    (whole,) = build_run.mounts
    assert isinstance(whole, Bind)
    assert isinstance(whole.source, ContextPath)
    assert (whole.source.path, whole.target, whole.rw) == (".", "/src", True)
    dockerfile = render(compile_plan(image)).dockerfile
    assert "--mount=type=bind,source=/out,target=/mnt,from=build " in dockerfile


def test_tmpfs_and_cache_options(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        "FROM debian:bookworm-slim\n"
        "RUN --mount=type=tmpfs,target=/tmp/t,size=64m \\\n"
        "    --mount=type=cache,target=/c,id=c,sharing=private,mode=0700,uid=1000,gid=100 \\\n"
        "    --mount=type=cache,target=/d,sharing=shared,mode=0755,uid=0 make\n",
    )
    (run,) = _image(module).steps
    assert isinstance(run, Run)
    assert run.mounts == (Tmpfs("/tmp/t", size=64 << 20),)
    first, second = run.cache
    assert first == CacheMount(
        target="/c", id="c", sharing="private", mode=0o700, uid=1000, gid=100, scope=first.scope
    )
    assert (second.target, second.id, second.sharing, second.mode, second.uid) == (
        "/d",
        None,
        "shared",
        0o755,
        0,
    )
    source = Path(str(module.__file__)).read_text()
    assert "mode=0o700" in source
    assert "mode=0o755" not in source  # the default is left out
    assert 'sharing="shared"' not in source


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1048576", 1 << 20),
        ("64m", 64 << 20),
        ("1g", 1 << 30),
        ("512KiB", 512 << 10),
        ("1.5k", 1536),
    ],
)
def test_tmpfs_sizes_read_as_the_frontend_reads_them(text: str, size: int) -> None:
    assert ram_bytes(text) == size
