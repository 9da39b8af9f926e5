"""Run mounts in the spec: Bind (context or stage path) and Tmpfs, and cache options."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from framework import Bind, CacheMount, Context, Image, Tmpfs
from framework.errors import SpecError
from framework.spec import ContextPath, Run, StagePath


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.go").write_text("package main\n")
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / ".dockerignore").write_text("secret.txt\n")
    (tmp_path / "secret.txt").write_text("no\n")
    return Context(tmp_path)


def _run(image: Image) -> Run:
    step = image.steps[-1]
    assert isinstance(step, Run)
    return step


def test_a_context_bind_is_read_only_by_default(ctx: Context) -> None:
    step = _run(Image.from_("golang:1.19").run("go build", mounts=Bind(ctx / "src", "/src")))
    (bind,) = step.mounts
    assert isinstance(bind, Bind)
    assert isinstance(bind.source, ContextPath)
    assert (bind.source.path, bind.source.is_dir, bind.target, bind.rw) == (
        "src",
        True,
        "/src",
        False,
    )


def test_a_whole_context_binds_as_its_root(ctx: Context) -> None:
    (bind,) = _run(Image.from_("x").run("ls", mounts=[Bind(ctx, "/src", rw=True)])).mounts
    assert isinstance(bind, Bind)
    assert isinstance(bind.source, ContextPath)
    assert (bind.source.path, bind.rw) == (".", True)


def test_a_stage_bind_names_the_other_image(ctx: Context) -> None:
    builder = Image.from_("golang:1.19").run("make")
    (bind,) = _run(Image.from_("x").run("ls /in", mounts=Bind(builder / "/out", "/in"))).mounts
    assert isinstance(bind, Bind)
    assert isinstance(bind.source, StagePath)
    assert bind.source.image is builder


def test_tmpfs_takes_a_size_in_bytes() -> None:
    (tmp,) = _run(Image.from_("x").run("make", mounts=Tmpfs("/tmp/build", size=64 << 20))).mounts
    assert tmp == Tmpfs("/tmp/build", size=67108864)
    assert Tmpfs("/tmp/build").size is None


def test_mount_values_compare_by_meaning_and_replace(ctx: Context) -> None:
    one = Bind(ctx / "src", "/src")
    two = Bind(ctx / "src", "/src")
    assert one == two
    assert one.origin != two.origin
    assert dataclasses.replace(one, rw=True) == Bind(ctx / "src", "/src", rw=True)


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda ctx: Bind(ctx / "src", "src"), "bind mount target 'src' is not absolute"),
        (lambda ctx: Bind(ctx / "src", "/a b"), "has characters a mount option cannot carry"),
        (lambda ctx: Bind("src", "/src"), "bind source is a str"),  # type: ignore[arg-type]
        (lambda ctx: Tmpfs("tmp"), "tmpfs mount target 'tmp' is not absolute"),
        (lambda ctx: Tmpfs("/tmp", size=0), "tmpfs size 0 is not positive"),
        (lambda ctx: CacheMount(target="/c", mode=0o10000), "cache mount mode 0o10000"),
        (lambda ctx: CacheMount(target="/c", uid=-1), "cache mount uid -1 is out of range"),
        (
            lambda ctx: CacheMount(target="/c", sharing="all"),  # type: ignore[arg-type]
            "invalid cachemount sharing",
        ),
    ],
)
def test_bad_mounts_are_refused_where_declared(ctx: Context, make: object, problem: str) -> None:
    with pytest.raises(SpecError) as caught:
        make(ctx)  # type: ignore[operator]
    assert problem in str(caught.value)
    assert caught.value.where is not None
    assert "test_run_mounts.py" in caught.value.where


def test_a_missing_bind_source_names_the_run_line_and_the_fix(ctx: Context) -> None:
    with pytest.raises(SpecError) as caught:
        Image.from_("x").run("ls", mounts=Bind(ctx / "nope", "/nope"))  # the run's line
    assert "'nope' does not exist" in caught.value.problem
    assert caught.value.fix
    assert caught.value.where is not None
    assert caught.value.where.endswith(
        f":{test_a_missing_bind_source_names_the_run_line_and_the_fix.__code__.co_firstlineno + 2}"
    )


def test_a_bind_of_an_ignored_path_is_refused(ctx: Context) -> None:
    with pytest.raises(SpecError, match=r"excluded by the context.s \.dockerignore"):
        Bind(ctx / "secret.txt", "/s")


@pytest.mark.parametrize(
    "mounts",
    [
        {"mounts": [Tmpfs("/a"), Tmpfs("/a/")]},
        {"mounts": [Tmpfs("/a")], "cache": "/a"},
        {"mounts": [Tmpfs("/root/.netrc")], "secrets": "netrc"},
    ],
)
def test_two_mounts_on_one_target_are_refused(ctx: Context, mounts: dict[str, object]) -> None:
    from framework import Secret

    if mounts.get("secrets") == "netrc":
        mounts["secrets"] = [Secret.env("NETRC").as_file("/root/.netrc")]
    with pytest.raises(SpecError, match="two mounts of this run step share the path"):
        Image.from_("x").run("ls", **mounts)  # type: ignore[arg-type]


def test_mounts_refuses_cache_mounts_and_other_values() -> None:
    with pytest.raises(SpecError, match="pass cache mounts with cache="):
        Image.from_("x").run("ls", mounts=[CacheMount(target="/c")])  # type: ignore[list-item]
    with pytest.raises(SpecError, match="run mounts got a str"):
        Image.from_("x").run("ls", mounts=["/tmp"])  # type: ignore[list-item]


def test_cache_defaults_are_a_dockerfiles() -> None:
    mount = CacheMount(target="/c")
    assert (mount.sharing, mount.mode, mount.uid, mount.gid) == ("shared", 0o755, 0, 0)
