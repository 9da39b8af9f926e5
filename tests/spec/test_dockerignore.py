"""A ``.dockerignore`` in a ``Context`` directory is honoured by default, as Docker does."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework import Context, Image, SpecError, compile
from framework.render import render


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "sub").mkdir()
    (root / ".env").write_text("TOKEN=hunter2\n")
    (root / "sub" / ".env").write_text("nested, not matched by '.env'\n")
    (root / "app.py").write_text("print('hi')\n")
    (root / "keep.log").write_text("kept\n")
    (root / "debug.log").write_text("dropped\n")
    (root / ".dockerignore").write_text("# secrets\n.env\n.git/\n*.log\n!keep.log\n")
    return root


def test_the_dockerignore_patterns_are_read_when_the_context_is_declared(app: Path) -> None:
    ctx = Context(app, exclude=["app.py"])
    assert ctx.ignored == (".env", ".git/", "*.log", "!keep.log")
    assert ctx.exclusions == (".env", ".git/", "*.log", "!keep.log", "app.py")
    selected = ctx.path_filter()
    assert [p for p in (".env", ".git/HEAD", "debug.log") if selected.selected(p)] == []
    assert selected.selected("keep.log")
    assert selected.selected("sub/.env")  # patterns are relative to the context root
    assert selected.selected(".dockerignore")  # sent unless excluded, as Docker does
    assert not selected.selected("app.py")  # explicit exclude applies on top


def test_explicit_exclude_can_re_include_what_the_file_ignores(app: Path) -> None:
    assert Context(app, exclude=["!debug.log"]).path_filter().selected("debug.log")


def test_include_narrows_on_top_of_the_file(app: Path) -> None:
    selected = Context(app, include=["*.log"]).path_filter()
    assert selected.selected("keep.log")
    assert not selected.selected("debug.log")
    assert not selected.selected("app.py")


def test_opt_out(app: Path) -> None:
    ctx = Context(app, dockerignore=False)
    assert ctx.ignored == ()
    assert ctx.path_filter().selected(".env")
    assert (ctx / ".env").path == ".env"


def test_a_named_ignored_file_is_refused_naming_the_dockerignore(app: Path) -> None:
    ctx = Context(app)
    with pytest.raises(SpecError) as info:
        _ = ctx / ".env"
    err = info.value
    assert f"'.env' is excluded by the context's .dockerignore ({app / '.dockerignore'})" in (
        err.problem
    )
    assert "exclude=['!.env']" in err.fix
    assert err.where is not None
    assert "test_dockerignore.py:" in err.where
    with pytest.raises(SpecError, match="include/exclude patterns"):
        _ = Context(app, exclude=["app.py"]) / "app.py"


def test_a_context_in_a_sub_directory_reads_only_its_own_file(app: Path) -> None:
    assert Context(app / "sub").ignored == ()
    (app / "sub" / ".dockerignore").write_text("*\n")
    assert Context(app / "sub").ignored == ("*",)


def test_ignored_files_are_not_in_the_digest_or_the_rendered_context(app: Path) -> None:
    def plan_of(ctx: Context) -> tuple[str, str]:
        image = Image.from_("debian:bookworm-slim").copy(ctx, "/app")
        plan = compile(image)
        return plan.digest, render(plan).dockerfile

    honoured = plan_of(Context(app))
    ignored = plan_of(Context(app, dockerignore=False))
    assert honoured != ignored
    # the file's patterns mean exactly what the same explicit patterns mean
    patterns = [".env", ".git/", "*.log", "!keep.log"]
    same = plan_of(Context(app, dockerignore=False, exclude=patterns))
    assert same == honoured


def test_an_unreadable_dockerignore_is_a_spec_error(app: Path) -> None:
    (app / ".dockerignore").write_bytes(b"\xff\xfe not utf-8\n")
    with pytest.raises(SpecError, match=r"cannot read .*\.dockerignore"):
        Context(app)
