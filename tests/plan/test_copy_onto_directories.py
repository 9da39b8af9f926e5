"""How ``compile()`` lowers a copy whose destination may be a directory, ``keep_owner``
and a run step's ``no_cache``."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework import Context, Image, Inline, compile
from framework.errors import SpecError
from framework.plan import CopyOp, RunOp, StageCopyOp
from framework.spec import StagePath
from framework.spec.sources import ContextPath

BASE = "debian:bookworm-slim"
HERE = Path(__file__).name


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    (tmp_path / "f.txt").write_text("f\n")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "a").write_text("a\n")
    return Context(tmp_path)


def last_copy(image: Image) -> CopyOp:
    step = compile(image).target.steps[-1]
    assert isinstance(step, CopyOp)
    return step


def test_a_destination_the_description_does_not_know_is_decided_when_built(ctx: Context) -> None:
    step = last_copy(Image.from_(BASE).copy(ctx / "f.txt", "/app"))
    assert (step.dest, step.written, step.inside) == ("/app", "/app", "/app/f.txt")
    assert step.file_name == "f.txt"


@pytest.mark.parametrize(
    "image",
    [
        lambda ctx: Image.from_(BASE).workdir("/srv").copy(ctx / "f.txt", "/srv"),
        lambda ctx: Image.from_(BASE).workdir("/srv/www/x").copy(ctx / "f.txt", "/srv/www"),
        lambda ctx: Image.from_(BASE).copy(ctx / "dir", "/srv").copy(ctx / "f.txt", "/srv"),
        lambda ctx: Image.from_(BASE).copy(ctx / "f.txt", "/srv/a/b").copy(ctx / "f.txt", "/srv/a"),
        lambda ctx: Image.from_(Image.from_(BASE).workdir("/srv")).copy(ctx / "f.txt", "/srv"),
    ],
    ids=["workdir", "workdir-below", "directory-copy", "copy-below", "base-stage-workdir"],
)
def test_a_directory_the_description_made_takes_the_file_inside(image, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    step = last_copy(image(ctx))
    assert step.inside is None
    assert step.dest.endswith("/f.txt")
    assert step.written.endswith("/f.txt")


def test_a_run_step_may_change_anything_so_the_knowledge_ends_there(ctx: Context) -> None:
    image = Image.from_(BASE).workdir("/srv").run("rm -rf /srv").copy(ctx / "f.txt", "/srv")
    step = last_copy(image)
    assert (step.dest, step.inside) == ("/srv", "/srv/f.txt")


def test_a_relative_destination_into_the_workdir_keeps_the_users_spelling(ctx: Context) -> None:
    step = last_copy(Image.from_(BASE).workdir("/srv").copy(ctx / "f.txt", "www"))
    assert (step.dest, step.written, step.inside) == ("/srv/www", "www", "/srv/www/f.txt")


def test_inline_content_is_named_like_its_destination(ctx: Context) -> None:
    step = last_copy(Image.from_(BASE).copy(Inline("x"), "/etc/app"))
    assert (step.dest, step.inside, step.file_name) == ("/etc/app", "/etc/app/app", "app")


def test_inline_content_onto_a_directory_the_description_made_is_refused() -> None:
    image = Image.from_(BASE).workdir("/etc/app").copy(Inline("x"), "/etc/app")
    with pytest.raises(SpecError) as caught:
        compile(image)
    error = caught.value
    assert "/etc/app" in error.problem
    assert f"workdir at tests/plan/{HERE}:" in error.problem
    assert "/etc/app/config.toml" in (error.fix or "")
    assert HERE in (error.where or "")


def test_a_stage_copy_keeps_owners_only_when_asked() -> None:
    builder = Image.from_(BASE).run("make").named("builder")
    image = (
        Image.from_(BASE)
        .copy(builder / "/out/app", "/usr/local/bin")
        .copy(builder / "/out", "/srv", keep_owner=True)
    )
    default, kept = compile(image).target.steps
    assert isinstance(default, StageCopyOp)
    assert isinstance(kept, StageCopyOp)
    assert default.owner == "0:0"
    assert (default.file_dest, default.inside) == ("/usr/local/bin", "/usr/local/bin/app")
    assert kept.owner is None


def test_a_stage_copy_into_a_known_directory_is_decided() -> None:
    builder = Image.from_(BASE).run("make").named("builder")
    step = compile(Image.from_(BASE).workdir("/srv").copy(builder / "/out/app", "/srv")).target
    copy = step.steps[-1]
    assert isinstance(copy, StageCopyOp)
    assert (copy.file_dest, copy.inside) == ("/srv/app", None)


@pytest.mark.parametrize(
    ("source", "owner", "words"),
    [
        ("stage", "1:1", ("owner='1:1'", "keep_owner=True", "drop")),
        ("context", None, ("only a copy out of another image", "drop keep_owner=True")),
        ("inline", None, ("only a copy out of another image", "drop keep_owner=True")),
    ],
)
def test_keep_owner_misuse_names_the_fix(
    ctx: Context, source: str, owner: str | None, words: tuple[str, ...]
) -> None:
    sources: dict[str, ContextPath | Inline | StagePath] = {
        "stage": Image.from_(BASE).named("b") / "/out",
        "context": ctx / "f.txt",
        "inline": Inline("x"),
    }
    with pytest.raises(SpecError) as caught:
        Image.from_(BASE).copy(sources[source], "/x", owner=owner, keep_owner=True)
    text = f"{caught.value.problem} {caught.value.fix}"
    assert all(word in text for word in words), text
    assert HERE in (caught.value.where or "")


def test_no_cache_is_in_the_plan_and_its_digests_are_stable() -> None:
    def image(no_cache: bool) -> Image:
        return Image.from_(BASE).run("date > /stamp", no_cache=no_cache).run("true")

    plan = compile(image(True))
    first, second = plan.target.steps
    assert isinstance(first, RunOp)
    assert isinstance(second, RunOp)
    assert (first.no_cache, second.no_cache) == (True, False)
    again = compile(image(True))
    assert again.step_digests == plan.step_digests
    assert again.digest == plan.digest
    assert compile(image(False)).digest != plan.digest


def test_a_name_buildkit_reads_as_a_pattern_is_sent_with_underscores(tmp_path: Path) -> None:
    (tmp_path / "a*b?[c]\\d").write_text("x")
    step = last_copy(Image.from_(BASE).copy(Context(tmp_path) / "a*b?[c]\\d", "/app"))
    assert step.inside == "/app/a_b__c]_d"
    assert step.file_name == "a_b__c]_d"
    inline = last_copy(Image.from_(BASE).copy(Inline("x"), "/etc/a*b"))
    assert (inline.inside, inline.file_name) == ("/etc/a*b/a_b", "a_b")
