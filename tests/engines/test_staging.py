"""Staging copy sources from a context, checked on disk without an engine.

What was declared may change before the build: a file or directory swapped for a
symlink out of the context, a fifo, socket, device or unreadable file in a copied
directory. Staging refuses them with a ``SpecError`` and leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from framework import Context, Image, SpecError, compile
from framework.engines.staging import stage_context
from framework.render import render
from framework.spec.sources import ContextPath

ROOT = Path(__file__).resolve().parents[2]


def stage(*sources: ContextPath | Context, into: Path, link: bool = True) -> None:
    image = Image.from_("debian:bookworm-slim")
    for number, source in enumerate(sources):
        image = image.copy(source, f"/dst{number}/")
    stage_context(render(compile(image)).context, into, link=link)


def tree(root: Path) -> set[str]:
    """Every path below ``root`` (directories with a trailing ``/``), not following links."""
    found: set[str] = set()
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        for name in dirnames:
            link = (here / name).is_symlink()
            found.add((here / name).relative_to(root).as_posix() + ("" if link else "/"))
        found |= {(here / f).relative_to(root).as_posix() for f in filenames}
    return found


def staged(sources: ContextPath | Context, tmp_path: Path) -> set[str]:
    """The files one source stages, relative to its entry."""
    out = tmp_path / "out"
    stage(sources, into=out)
    (entry,) = out.iterdir()
    return tree(entry) if entry.is_dir() else {entry.name}


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    (root / "data" / "deep").mkdir(parents=True)
    (root / "data" / "a.txt").write_text("a\n")
    (root / "data" / "deep" / "b.txt").write_text("b\n")
    (root / "secret.txt").write_text("fine\n")
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    place = tmp_path / "outside"
    place.mkdir()
    (place / "shadow").write_text("root:$6$not-yours\n")
    return place


# -- item 12: symlinks swapped in after declaration ---------------------------------


def test_a_file_swapped_for_a_symlink_out_of_the_context_is_refused(
    app: Path, outside: Path, tmp_path: Path
) -> None:
    source = Context(app) / "secret.txt"  # where: declared
    (app / "secret.txt").unlink()
    (app / "secret.txt").symlink_to(outside / "shadow")
    out = tmp_path / "out"
    with pytest.raises(SpecError) as info:
        stage(source, into=out)
    err = info.value
    assert "'secret.txt' now resolves to" in err.problem
    assert str(outside / "shadow") in err.problem
    assert "outside the context" in err.problem
    assert err.where is not None
    assert "test_staging.py:" in err.where
    assert not out.exists()  # nothing staged, nothing left behind


@pytest.mark.parametrize("swapped", ["data", "data/deep"])
def test_a_directory_swapped_for_a_symlink_out_of_the_context_is_refused(
    app: Path, outside: Path, tmp_path: Path, swapped: str
) -> None:
    source = Context(app) / "data/deep"
    shutil.rmtree(app / swapped)
    (app / swapped).symlink_to(outside if swapped == "data/deep" else outside.parent)
    if swapped == "data":
        (outside / "deep").mkdir()
        (outside / "deep" / "stolen").write_text("x")
    with pytest.raises(SpecError, match="outside the context"):
        stage(source, into=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_context_root_swapped_for_a_symlink_is_refused(
    app: Path, outside: Path, tmp_path: Path
) -> None:
    whole = Context(app) / "."
    app.rename(tmp_path / "moved")
    app.symlink_to(outside)
    with pytest.raises(SpecError, match="outside the context"):
        stage(whole, into=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_symlink_inside_a_copied_directory_stays_a_link(
    app: Path, outside: Path, tmp_path: Path
) -> None:
    ctx = Context(app)
    (app / "data" / "escape").symlink_to(outside / "shadow")
    (app / "data" / "escape-dir").symlink_to(outside)
    out = tmp_path / "out"
    stage(ctx / "data", into=out)
    (entry,) = out.iterdir()
    assert os.readlink(entry / "escape") == str(outside / "shadow")
    assert (entry / "escape").is_symlink()
    assert (entry / "escape-dir").is_symlink()
    assert tree(entry) == {"a.txt", "deep/", "deep/b.txt", "escape", "escape-dir"}


def test_a_named_symlink_inside_the_context_is_staged_as_its_target(
    app: Path, tmp_path: Path
) -> None:
    (app / "link.txt").symlink_to("secret.txt")
    (app / "link-dir").symlink_to("data")
    ctx = Context(app)
    out = tmp_path / "out"
    stage(ctx / "link.txt", ctx / "link-dir", into=out)
    staged_dir, holder = sorted(out.iterdir(), key=lambda p: (p / "link.txt").exists())
    staged_file = holder / "link.txt"  # a file is sent in a directory, under its own name
    assert not staged_file.is_symlink()
    assert staged_file.read_text() == "fine\n"
    assert tree(staged_dir) == {"a.txt", "deep/", "deep/b.txt"}


def test_a_file_swapped_for_a_directory_is_refused(app: Path, tmp_path: Path) -> None:
    source = Context(app) / "secret.txt"
    (app / "secret.txt").unlink()
    (app / "secret.txt").mkdir()
    with pytest.raises(SpecError, match="was a file when the image was declared"):
        stage(source, into=tmp_path / "out")


def test_a_removed_source_is_a_spec_error(app: Path, tmp_path: Path) -> None:
    source = Context(app) / "secret.txt"
    (app / "secret.txt").unlink()
    with pytest.raises(SpecError, match="no longer exists"):
        stage(source, into=tmp_path / "out")


# -- item 13: special and unreadable files ------------------------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()


def _device(path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))


@pytest.mark.parametrize(
    ("make", "kind"), [(_fifo, "a fifo"), (_socket, "a socket"), (_device, "a device")]
)
@pytest.mark.parametrize("link", [True, False])
def test_a_special_file_in_a_copied_directory_is_refused(
    tmp_path: Path, make: object, kind: str, link: bool
) -> None:
    app = tmp_path / "a"  # short: a socket path is limited to 108 bytes
    (app / "d").mkdir(parents=True)
    (app / "d" / "ok.txt").write_text("ok\n")
    make(app / "d" / "sp")  # type: ignore[operator]
    ctx = Context(app)
    out = tmp_path / "out"
    with pytest.raises(SpecError) as info:
        stage(ctx, into=out, link=link)
    err = info.value
    assert f"{app / 'd' / 'sp'} is {kind}" in err.problem
    assert "exclude=['d/sp']" in err.fix
    assert not out.exists()
    # excluded, it is no obstacle
    assert staged(Context(app, exclude=["d/sp"]), tmp_path / "x") == {"d/", "d/ok.txt"}


def test_a_named_special_file_is_refused_when_declared(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(SpecError, match="'pipe' is not a regular file or directory"):
        _ = Context(tmp_path) / "pipe"


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another user can reach (pytest's tmp_path is private to root)."""
    place = Path(tempfile.mkdtemp(prefix="fw-staging-"))
    place.chmod(0o755)
    yield place
    shutil.rmtree(place)


def stage_as_another_user(context: Path, out: Path) -> str:
    """Stage ``context`` in a forked child that runs as ``nobody`` when we are root (root
    reads every file); what happened, as text."""
    image = Image.from_("debian:bookworm-slim").copy(Context(context), "/app")
    entries = render(compile(image)).context
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            stage_context(entries, out)
            report = f"staged: {sorted(p.name for p in out.rglob('*'))}"
        except SpecError as exc:
            report = f"SpecError: {exc.problem} | fix: {exc.fix} | out exists: {out.exists()}"
        except BaseException as exc:
            report = f"other: {exc!r}"
        os.write(writer, report.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        report = pipe.read()
    os.waitpid(child, 0)
    return report


@pytest.mark.parametrize("unreadable", ["file", "directory"])
def test_an_unreadable_file_or_directory_is_refused(shared_dir: Path, unreadable: str) -> None:
    app = shared_dir / "app"
    (app / "sub").mkdir(parents=True)
    (app / "ok.txt").write_text("ok\n")
    (app / "sub" / "locked.txt").write_text("locked\n")
    for path in (shared_dir, app, app / "sub"):
        path.chmod(0o777)
    (app / "ok.txt").chmod(0o644)
    locked = app / "sub" / "locked.txt" if unreadable == "file" else app / "sub"
    locked.chmod(0o000 if unreadable == "file" else 0o300)
    report = stage_as_another_user(app, shared_dir / "out")
    expected = "sub/locked.txt" if unreadable == "file" else "sub"
    assert f"SpecError: cannot read {app / expected}: Permission denied" in report, report
    assert f"exclude=[{expected!r}]" in report
    assert "out exists: False" in report


# -- item 14: render -o into the context --------------------------------------------


def test_staging_into_a_copied_directory_is_refused_before_writing(
    app: Path, tmp_path: Path
) -> None:
    out = app / "data" / "render-out"
    with pytest.raises(SpecError) as info:
        stage(Context(app) / "data", into=out)
    assert f"the output directory {out} is inside {app / 'data'}" in info.value.problem
    assert not out.exists()
    # a copy of another part of the context does not contain the output
    stage(Context(app) / "secret.txt", into=app / "render-out")
    assert [p.name for p in (app / "render-out").iterdir()] != []


def test_render_o_into_the_context_is_refused_and_leaves_nothing(app: Path) -> None:
    pipeline = app.parent / "pipe.py"
    pipeline.write_text(
        "from framework import Context, Image\n\n\n"
        "def pipe() -> Image:\n"
        "    return Image.from_('debian:bookworm-slim').copy(Context('app'), '/app')\n"
    )
    before = tree(app)
    result = subprocess.run(
        [sys.executable, "-m", "framework", "render", f"{pipeline}:pipe", "-o", "app/out"],
        capture_output=True, text=True, cwd=app.parent, check=False, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "would contain itself" in result.stderr
    assert tree(app) == before


def test_a_failed_staging_removes_what_it_wrote(app: Path, tmp_path: Path) -> None:
    os.mkfifo(app / "data" / "zz-pipe")  # staged last: the other files are written first
    out = tmp_path / "new" / "out"
    with pytest.raises(SpecError):
        stage(Context(app) / "secret.txt", Context(app) / "data", into=out, link=False)
    assert not (tmp_path / "new").exists()
    existing = tmp_path / "empty"
    existing.mkdir()
    with pytest.raises(SpecError):
        stage(Context(app) / "secret.txt", Context(app) / "data", into=existing, link=False)
    assert existing.is_dir()
    assert list(existing.iterdir()) == []


# -- item 16: excluded directories are absent unless something below is sent --------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for path in (
        ".git/HEAD", ".git/objects/ab/cd", "node_modules/left-pad/index.js",
        "node_modules/keep.txt", "build/out.bin", "src/main.py", "src/.env", ".env",
        "keep.txt", "logs/a.log",
    ):  # fmt: skip
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(path)
    (root / "empty").mkdir()
    return root


@pytest.mark.parametrize(
    ("exclude", "expected"),
    [
        (
            [".env", ".git/", "node_modules", "!keep.txt"],
            {"build/", "build/out.bin", "src/", "src/main.py", "src/.env", "keep.txt",
             "logs/", "logs/a.log", "empty/"},
        ),
        (
            ["node_modules", "!node_modules/keep.txt", ".git", "logs/*", "build"],
            {"node_modules/", "node_modules/keep.txt", "src/", "src/main.py", "src/.env",
             ".env", "keep.txt", "logs/", "empty/"},
        ),
        (
            ["*", "!src"],
            {"src/", "src/main.py", "src/.env"},
        ),
    ],
)  # fmt: skip
def test_excluded_directories_are_absent_with_exceptions_present(
    project: Path, tmp_path: Path, exclude: list[str], expected: set[str]
) -> None:
    assert staged(Context(project, exclude=exclude), tmp_path) == expected


def test_include_patterns_leave_out_directories_with_nothing_included(
    project: Path, tmp_path: Path
) -> None:
    assert staged(Context(project, include=["src/*.py", "keep.txt"]), tmp_path) == {
        "src/",
        "src/main.py",
        "keep.txt",
    }


def test_dockerignored_files_are_not_staged(project: Path, tmp_path: Path) -> None:
    (project / ".dockerignore").write_text(".env\n.git/\nnode_modules\n!keep.txt\n")
    files = staged(Context(project), tmp_path)
    assert {".env", ".git/", "node_modules/"} & files == set()
    assert {".dockerignore", "keep.txt", "src/.env"} <= files
    assert ".env" in staged(Context(project, dockerignore=False), tmp_path / "optout")


def test_a_named_excluded_directory_is_refused_as_docker_refuses_it(
    project: Path, tmp_path: Path
) -> None:
    with pytest.raises(SpecError, match="'node_modules' is excluded by the context's include"):
        _ = Context(project, exclude=["node_modules"]) / "node_modules"
    # with an exception somewhere, only staging knows whether anything below is sent
    source = Context(project, exclude=["node_modules", "!src"]) / "node_modules"
    with pytest.raises(SpecError, match="nothing below it is re-included"):
        stage(source, into=tmp_path / "out")
    assert staged(
        Context(project, exclude=["node_modules", "!node_modules/keep.txt"]) / "node_modules",
        tmp_path / "kept",
    ) == {"keep.txt"}


def test_the_dagger_engine_stages_through_the_same_routine(
    app: Path, outside: Path, tmp_path: Path
) -> None:
    from framework.engines.dagger.engine import _stage_sources

    image = Image.from_("debian:bookworm-slim").copy(Context(app) / "data", "/data")
    (app / "data" / "deep").rename(tmp_path / "deep")
    (app / "data" / "deep").symlink_to(outside)  # inside a copied directory: stays a link
    paths = _stage_sources(compile(image), tmp_path / "dagger")
    (staged_dir,) = paths.values()
    assert tree(Path(staged_dir)) == {"a.txt", "deep"}
    shutil.rmtree(app / "data")
    (app / "data").symlink_to(outside)  # the copied directory itself: refused
    with pytest.raises(SpecError, match="outside the context"):
        _stage_sources(compile(image), tmp_path / "dagger-again")
    assert not (tmp_path / "dagger-again").exists()
