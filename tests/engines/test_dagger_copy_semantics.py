"""The Dagger mapping, offline: a file copied onto an existing directory lands inside it
(the mapping asks), ``keep_owner`` gives no owner, ``no_cache`` scopes a fresh variable
to its exec."""

from __future__ import annotations

from pathlib import Path

import anyio
import dagger
import pytest
from dagger import dag

from framework import Context, Image, Inline, compile
from framework.engines.dagger import DaggerMapping
from framework.render import NO_CACHE_ARG
from tests.engines.test_dagger_mapping import Call, calls, staged_path

BASE = "debian:bookworm-slim"


def mapped(image: Image, directories: frozenset[str] = frozenset()) -> tuple[list[Call], list[str]]:
    """The target's calls, and the paths the mapping asked about."""
    asked: list[str] = []

    async def is_directory(_container: dagger.Container, path: str) -> bool:
        asked.append(path)
        return path in directories

    mapping = DaggerMapping(dag, staged=staged_path, is_directory=is_directory, nonce="N0NCE")
    plan = compile(image)
    containers = anyio.run(mapping.containers, plan)
    return calls(containers[plan.target.id]), asked


def file_paths(found: list[Call]) -> list[str]:
    return [args["path"] for name, args in found if name == "withFile"]


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    (tmp_path / "f.txt").write_text("f\n")
    return Context(tmp_path)


def test_a_file_onto_an_existing_directory_lands_inside(ctx: Context) -> None:
    image = Image.from_(BASE).copy(ctx / "f.txt", "/app")
    found, asked = mapped(image, frozenset({"/app"}))
    assert asked == ["/app"]
    assert file_paths(found) == ["/app/f.txt"]


def test_a_file_onto_anything_else_is_written_there(ctx: Context) -> None:
    found, asked = mapped(Image.from_(BASE).copy(ctx / "f.txt", "/app"))
    assert asked == ["/app"]
    assert file_paths(found) == ["/app"]


def test_a_directory_the_plan_knows_is_not_asked_about(ctx: Context) -> None:
    found, asked = mapped(Image.from_(BASE).workdir("/srv").copy(ctx / "f.txt", "/srv"))
    assert asked == []
    assert file_paths(found) == ["/srv/f.txt"]


def test_inline_content_onto_an_existing_directory_is_named_like_it() -> None:
    found, _ = mapped(Image.from_(BASE).copy(Inline("x"), "/etc/app"), frozenset({"/etc/app"}))
    assert file_paths(found) == ["/etc/app/app"]


def test_a_stage_file_onto_an_existing_directory_lands_inside() -> None:
    builder = Image.from_(BASE).run("make").named("builder")
    image = Image.from_(BASE).copy(builder / "/out/app", "/usr/local/bin")
    found, asked = mapped(image, frozenset({"/usr/local/bin"}))
    assert asked == ["/out/app", "/usr/local/bin"]  # is the source a directory; the target
    assert file_paths(found) == ["/usr/local/bin/app"]


def test_keep_owner_gives_dagger_no_owner() -> None:
    builder = Image.from_(BASE).run("make").named("builder")
    image = (
        Image.from_(BASE)
        .copy(builder / "/out", "/srv", keep_owner=True)
        .copy(builder / "/out", "/opt")
    )
    found, _ = mapped(image, frozenset({"/out"}))
    kept, default = [args for name, args in found if name == "withDirectory"]
    assert "owner" not in kept
    assert default["owner"] == "0:0"


def test_no_cache_sets_a_fresh_variable_for_its_exec_only() -> None:
    image = Image.from_(BASE).run("echo a").run("date > /stamp", no_cache=True).run("echo b")
    found, _ = mapped(image)
    steps = [(name, args) for name, args in found if name != "container"]
    assert steps == [
        ("from", {"address": BASE}),
        ("withExec", {"args": ["/bin/sh", "-c", "echo a"]}),
        ("withEnvVariable", {"name": NO_CACHE_ARG, "value": "N0NCE"}),
        ("withExec", {"args": ["/bin/sh", "-c", "date > /stamp"]}),
        ("withoutEnvVariable", {"name": NO_CACHE_ARG}),
        ("withExec", {"args": ["/bin/sh", "-c", "echo b"]}),
    ]


def test_each_mapping_has_its_own_nonce() -> None:
    def is_directory(_c: dagger.Container, _p: str) -> bool:
        raise AssertionError

    first = DaggerMapping(dag, staged=staged_path, is_directory=is_directory)  # type: ignore[arg-type]
    second = DaggerMapping(dag, staged=staged_path, is_directory=is_directory)  # type: ignore[arg-type]
    assert first._nonce != second._nonce
