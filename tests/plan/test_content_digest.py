"""The plan's content-addressed digests: what each step means, never where it lives."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from framework import Context, Image, compile
from framework.plan import content
from framework.plan.content import FileDigests
from framework.plan.digest import step_digests


def checkout(root: Path) -> Path:
    """A small project: an app with requirements, a link, a log and a .dockerignore."""
    app = root / "app"
    (app / "src").mkdir(parents=True)
    (app / "requirements.txt").write_text("flask==3.0.0\n")
    (app / "src" / "main.py").write_text("print('hello')\n")
    (app / "src" / "run.sh").write_text("#!/bin/sh\n")
    (app / "debug.log").write_text("noise\n")
    (app / "secret.env").write_text("TOKEN=1\n")
    (app / ".dockerignore").write_text("secret.env\n")
    (app / "current").symlink_to("src/main.py")
    age(app)
    return app


def age(root: Path) -> None:
    """Date every file an hour back: digests of files changed in the last seconds are
    never cached, since a second change within the clock's resolution keeps the key."""
    past = time.time_ns() - 3600 * 10**9
    for path in root.rglob("*"):
        os.utime(path, ns=(past, past), follow_symlinks=False)


def pipeline(app: Path) -> Image:
    ctx = Context(app, exclude=["*.log"])
    return (
        Image.from_("python:3.11-slim")
        .workdir("/app")  # 1
        .copy(ctx / "requirements.txt", ".")  # 2
        .run("pip install -r requirements.txt")  # 3
        .copy(ctx, ".")  # 4
        .run("python -m compileall .")  # 5
    )


def digests(app: Path) -> tuple[str, ...]:
    """Base digest, then one per step, computed without any cache."""
    plan = compile(pipeline(app))
    return step_digests(plan, FileDigests())[plan.target.id]


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return checkout(tmp_path / "one")


def changed_from(before: tuple[str, ...], after: tuple[str, ...]) -> int | None:
    """The index of the first digest that differs (every later one must differ too)."""
    first = next((i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b), None)
    if first is not None:
        assert all(a != b for a, b in zip(before[first:], after[first:], strict=True))
    return first


def test_two_checkouts_give_the_same_digests(app: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "deeper" / "app"
    shutil.copytree(app, other, symlinks=True)
    assert digests(app) == digests(other)
    assert compile(pipeline(app)).digest == compile(pipeline(other)).digest


def test_editing_a_copied_file_changes_its_step_and_later_ones_only(app: Path) -> None:
    before = digests(app)
    (app / "src" / "main.py").write_text("print('changed')\n")
    assert changed_from(before, digests(app)) == 4
    (app / "requirements.txt").write_text("flask==3.0.1\n")
    assert changed_from(before, digests(app)) == 2


def test_a_mode_change_changes_the_digest(app: Path) -> None:
    before = digests(app)
    (app / "src" / "run.sh").chmod(0o755)
    assert changed_from(before, digests(app)) == 4


def test_a_symlink_target_change_changes_the_digest(app: Path) -> None:
    before = digests(app)
    (app / "current").unlink()
    (app / "current").symlink_to("src/run.sh")
    assert changed_from(before, digests(app)) == 4


def test_excluded_files_change_nothing(app: Path) -> None:
    before = digests(app)
    (app / "debug.log").write_text("other noise\n")  # exclude=["*.log"]
    (app / "secret.env").write_text("TOKEN=2\n")  # .dockerignore
    (app / "new.log").write_text("more\n")
    assert changed_from(before, digests(app)) is None


def test_a_copy_from_another_stage_covers_that_stage_content(app: Path) -> None:
    def target(app: Path) -> Image:
        builder = Image.from_("golang:1.22").copy(Context(app) / "src", "/src").run("make")
        return Image.from_("debian:bookworm-slim").run("true").copy(builder / "/out", "/out")

    first = compile(target(app))
    before = step_digests(first, FileDigests())[first.target.id]
    (app / "src" / "main.py").write_text("print('changed')\n")
    second = compile(target(app))
    after = step_digests(second, FileDigests())[second.target.id]
    assert changed_from(before, after) == 2


def _unread(path: str) -> str:
    raise AssertionError(f"{path} was read although its digest was stored")


def test_file_digests_persist_and_a_corrupt_store_is_replaced(
    app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "cache" / "file-digests.sqlite3"
    plan = compile(pipeline(app))
    first = step_digests(plan, FileDigests(store))
    assert store.exists()

    with monkeypatch.context() as patched:
        patched.setattr(content, "_hash_file", _unread)
        assert step_digests(compile(pipeline(app)), FileDigests(store)) == first

    store.write_bytes(b"not a database" * 100)
    assert step_digests(compile(pipeline(app)), FileDigests(store)) == first
    assert step_digests(compile(pipeline(app)), FileDigests(store)) == first


def test_a_no_op_plan_of_20000_files_reads_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "big"
    for d in range(200):
        sub = root / f"d{d:03}"
        sub.mkdir(parents=True)
        for f in range(100):
            (sub / f"f{f:03}.txt").write_bytes(b"x" * (f + d))
    age(root)
    plan = compile(Image.from_("debian:bookworm-slim").copy(Context(root), "/data"))
    store = tmp_path / "cache.sqlite3"
    first = step_digests(plan, FileDigests(store))[plan.target.id]

    with monkeypatch.context() as patched:
        patched.setattr(content, "_hash_file", _unread)
        assert step_digests(plan, FileDigests(store))[plan.target.id] == first  # a new process
    (root / "d007" / "f042.txt").write_bytes(b"changed")
    assert changed_from(first, step_digests(plan, FileDigests(store))[plan.target.id]) == 1


def test_plan_json_shows_per_step_digests(
    app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from framework.cli import main

    script = tmp_path / "pipe.py"
    script.write_text(
        "from framework import Context, Image\n"
        "def pipe() -> Image:\n"
        f"    ctx = Context({str(app)!r})\n"
        "    return Image.from_('python:3.11-slim').copy(ctx / 'requirements.txt', '/r.txt')"
        ".run('true')\n"
    )
    assert main(["plan", str(script), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    (stage,) = document["stages"]
    assert len(stage["step_digests"]) == len(stage["steps"]) == 2
    assert stage["digest"] == document["digest"] == stage["step_digests"][-1]
    assert len(set(stage["step_digests"])) == 2
    (app / "requirements.txt").write_text("flask==3.0.1\n")
    assert main(["plan", str(script), "--json"]) == 0
    edited = json.loads(capsys.readouterr().out)["stages"][0]["step_digests"]
    assert edited[0] != stage["step_digests"][0]


def test_a_file_changed_again_with_the_same_key_is_hashed_again(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("1")
    first = os.lstat(path)
    files = FileDigests()
    before = files.digest(str(path), first)
    path.write_text("2")  # same size, same inode; the same mtime, as within one clock tick
    os.utime(path, ns=(first.st_atime_ns, first.st_mtime_ns))
    second = os.lstat(path)
    assert (second.st_size, second.st_mtime_ns, second.st_ino) == (
        first.st_size,
        first.st_mtime_ns,
        first.st_ino,
    )
    assert files.digest(str(path), second) != before
