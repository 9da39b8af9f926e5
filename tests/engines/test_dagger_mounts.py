"""Run mounts on Dagger, checked offline: each lasts its one exec (unmounted after)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagger import dag

from framework import Bind, CacheMount, Context, Image, Tmpfs, compile
from framework.engines.dagger import DaggerMapping, Unsupported
from tests.engines.test_dagger_mapping import Call, mapped


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.go").write_text("package main\n")
    (tmp_path / "go.mod").write_text("module x\n")
    return Context(tmp_path)


def _after_from(image: Image, directories: frozenset[str] = frozenset()) -> list[Call]:
    calls = mapped(image, directories)
    return calls[2:]


def test_a_context_directory_bind_is_read_only_and_lasts_one_exec(ctx: Context) -> None:
    image = (
        Image.from_("golang:1.19")
        .run("go build ./src", mounts=Bind(ctx / "src", "/src"))
        .run("ls /src")
    )
    host: tuple[str, dict[str, str]] = ("host", {})
    assert _after_from(image) == [
        (
            "withMountedDirectory",
            {
                "path": "/src",
                "source": [host, ("directory", {"path": f"/staged/{ctx.path.name}/src"})],
                "owner": "0:0",
                "readOnly": True,
            },
        ),
        ("withExec", {"args": ["/bin/sh", "-c", "go build ./src"]}),
        ("withoutMount", {"path": "/src"}),  # not there for the next step
        ("withExec", {"args": ["/bin/sh", "-c", "ls /src"]}),
    ]


def test_a_rw_bind_and_a_file_bind(ctx: Context) -> None:
    image = Image.from_("x").run(
        "make", mounts=[Bind(ctx / "src", "/src", rw=True), Bind(ctx / "go.mod", "/tmp/go.mod")]
    )
    calls = _after_from(image)
    assert calls[0][0] == "withMountedDirectory"
    assert "readOnly" not in calls[0][1]
    assert calls[1] == (
        "withMountedFile",
        {
            "path": "/tmp/go.mod",
            "source": [("host", {}), ("file", {"path": f"/staged/{ctx.path.name}/go.mod"})],
            "owner": "0:0",
        },
    )
    assert calls[3:] == [
        ("withoutMount", {"path": "/src"}),
        ("withoutMount", {"path": "/tmp/go.mod"}),
    ]


def test_a_stage_bind_mounts_the_stages_directory(ctx: Context) -> None:
    builder = Image.from_("golang:1.19").run("make")
    image = Image.from_("debian:bookworm-slim").run("ls /in", mounts=Bind(builder / "/out", "/in"))
    calls = _after_from(image, frozenset({"/out"}))
    name, args = calls[0]
    assert name == "withMountedDirectory"
    assert isinstance(args, dict)
    assert args["path"] == "/in"
    assert args["readOnly"] is True
    assert args["source"][-1] == ("directory", {"path": "/out"})
    assert ("withExec", {"args": ["/bin/sh", "-c", "make"]}) in args["source"]
    assert calls[1:] == [
        ("withExec", {"args": ["/bin/sh", "-c", "ls /in"]}),
        ("withoutMount", {"path": "/in"}),
    ]


def test_a_stage_file_bind_mounts_the_file() -> None:
    builder = Image.from_("golang:1.19").run("make")
    image = Image.from_("x").run("ls", mounts=Bind(builder / "/out/app", "/app"))
    name, args = _after_from(image)[0]
    assert name == "withMountedFile"
    assert isinstance(args, dict)
    assert args["source"][-1] == ("file", {"path": "/out/app"})


def test_tmpfs_lasts_one_exec() -> None:
    image = Image.from_("x").run("make", mounts=Tmpfs("/tmp/build", size=1 << 20)).run("ls")
    assert _after_from(image) == [
        ("withMountedTemp", {"path": "/tmp/build", "size": 1048576}),
        ("withExec", {"args": ["/bin/sh", "-c", "make"]}),
        ("withoutMount", {"path": "/tmp/build"}),
        ("withExec", {"args": ["/bin/sh", "-c", "ls"]}),
    ]


@pytest.mark.parametrize(
    ("sharing", "sent"), [("shared", None), ("private", "PRIVATE"), ("locked", "LOCKED")]
)
def test_cache_sharing_maps_one_to_one(sharing: str, sent: str | None) -> None:
    mount = CacheMount(target="/c", id="c", sharing=sharing)  # type: ignore[arg-type]
    (name, args), *_ = _after_from(Image.from_("x").run("make", cache=mount))
    assert name == "withMountedCache"
    assert isinstance(args, dict)
    assert args.get("sharing") == sent  # SHARED is Dagger's default: not sent


def test_cache_owner_is_uid_gid_and_a_mode_is_refused() -> None:
    mount = CacheMount(target="/c", id="c", uid=1000, gid=1000)
    (_, args), *_ = _after_from(Image.from_("x").run("make", cache=mount))
    assert isinstance(args, dict)
    assert args["owner"] == "1000:1000"

    async def is_directory(_c: object, _p: str) -> bool:
        return False

    image = Image.from_("x").run("make", cache=CacheMount(target="/c", mode=0o700))
    mapping = DaggerMapping(dag, staged=lambda s: "/x", is_directory=is_directory)
    import anyio

    with pytest.raises(Unsupported, match="cache mount mode 0700"):
        anyio.run(mapping.containers, compile(image))
