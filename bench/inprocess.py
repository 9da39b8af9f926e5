"""In-process cases: ``build()`` timed inside one warm Python process (engine probed
once, framework imported), against a whole ``docker build`` process; and describing,
compiling, rendering and hashing without a daemon. What a library caller sees, not a
person at a prompt: the whole-process cases (:mod:`bench.whole`) are that."""

from __future__ import annotations

import os
import shutil
import stat
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import Images
from bench.whole import (
    EXAMPLES,
    HANDWRITTEN,
    TEMPLATES,
    append_line,
    docker_command,
    large_context,
    linked_copy,
)
from framework import Context, DockerEngine, Image, Inline, SilentProgress, build, compile, render
from framework.cli.targets import load_target


@dataclass
class Row:
    case: str
    framework: list[float] = field(default_factory=list)
    handwritten: list[float] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)

    def medians(self) -> tuple[float, float | None]:
        fw = statistics.median(self.framework)
        return fw, statistics.median(self.handwritten) if self.handwritten else None


ENGINE = DockerEngine()  # one engine object: its client and daemon probes run once


def _workspace(work: Path, template: str, example: Path) -> tuple[Path, Callable[[], Image]]:
    """A copy of the pipeline ``template`` beside a copy of its context (``app``), and
    the pipeline's image as the command line makes it."""
    linked_copy(example, work / "fw" / "app")
    pipeline = work / "fw" / f"{template}.py"
    shutil.copy(TEMPLATES / f"{template}.py", pipeline)
    loaded = load_target(str(pipeline))
    return work / "fw" / "app", lambda: loaded.image({})


def _fw(image: Image, tag: str) -> float:
    started = time.perf_counter()
    build(image, tag=tag, engine=ENGINE, progress=SilentProgress())
    return time.perf_counter() - started


def _nonce(app: Path) -> None:
    (app / "nonce.txt").unlink(missing_ok=True)
    (app / "nonce.txt").write_text(uuid.uuid4().hex + "\n")


def flask(work: Path, reps: int, images: Images) -> list[Row]:
    """No-op, and after a change to app.py (cold builds are whole-process cases only)."""
    app, flask_bench = _workspace(work, "flask_bench", EXAMPLES / "flask_app")
    tag = images.tag("inproc-flask")
    docker = docker_command(
        work, HANDWRITTEN / "flask" / "Dockerfile", EXAMPLES / "flask_app", images,
        "inproc-flask-docker",
    )  # fmt: skip
    noop, one_file = Row("Flask no-op"), Row("Flask one-file change (app.py)")
    for side_app in (app, docker.app):
        _nonce(side_app)
    _fw(flask_bench(), tag), docker.run()  # warm-up: a cold build on each side
    images.remember(tag, *docker.tags)
    for rep in range(reps):
        noop.framework.append(_fw(flask_bench(), tag))
        noop.handwritten.append(docker.run().wall)
        append_line(app / "app.py", f"# change {rep}")
        one_file.framework.append(_fw(flask_bench(), tag))
        images.remember(tag)
        append_line(docker.app / "app.py", f"# change {rep}")
        one_file.handwritten.append(docker.run().wall)
        images.remember(*docker.tags)
    return [noop, one_file]


def go(work: Path, reps: int, images: Images) -> list[Row]:
    """No-op (cold builds are whole-process cases only)."""
    app, go_bench = _workspace(work, "go_bench", EXAMPLES / "go_app")
    tag = images.tag("inproc-go")
    docker = docker_command(
        work, HANDWRITTEN / "go" / "Dockerfile", EXAMPLES / "go_app", images, "inproc-go-docker"
    )
    noop = Row("Go multistage no-op")
    for side_app in (app, docker.app):
        _nonce(side_app)
    _fw(go_bench(), tag), docker.run()
    images.remember(tag, *docker.tags)
    for _ in range(reps):
        noop.framework.append(_fw(go_bench(), tag))
        noop.handwritten.append(docker.run().wall)
    return [noop]


def big(work: Path, reps: int, images: Images, files: int) -> list[Row]:
    source = large_context(work / "source", files)
    _, big_context = _workspace(work, "big_context", source)
    docker = docker_command(
        work, HANDWRITTEN / "big" / "Dockerfile", source, images, "inproc-big-docker"
    )
    (docker.app / ".dockerignore").write_text("*\n!src\n")
    image = big_context()
    tag = images.tag("inproc-big")
    row = Row(f"{files:,}-file context no-op (docker with .dockerignore)")
    _fw(image, tag), docker.run()
    for _ in range(reps):
        row.framework.append(_fw(image, tag))
        row.handwritten.append(docker.run().wall)
    return [row]


def _fan_in(sources: int) -> Image:
    target = Image.from_("debian:bookworm-slim").workdir("/app")
    for i in range(sources):
        source = Image.from_("debian:bookworm-slim").copy(Inline(f"{i}\n"), f"/out/{i}")
        target = target.copy(source.named(f"src{i}") / f"/out/{i}", f"data/{i}")
    return target


def chaining(reps: int) -> list[Row]:
    """Describe, compile and render, in this process: chaining must stay linear."""
    from bench.pipelines.chain import chain

    cases: tuple[tuple[Row, Callable[[], Image]], ...] = (
        (Row("2,000-step chain: describe + compile + render"), lambda: chain(2000)),
        (Row("one image copying from 200 stages: describe + compile + render"),
         lambda: _fan_in(200)),
    )  # fmt: skip
    for row, describe in cases:
        describe()  # warm-up
        described: list[float] = []
        for _ in range(reps):
            started = time.perf_counter()
            image = describe()
            middle = time.perf_counter()
            plan = compile(image)
            render(plan)
            row.framework.append(time.perf_counter() - started)
            described.append(middle - started)
        row.notes.update(describe_seconds=round(statistics.median(described), 4))
    return [row for row, _ in cases]


def plan_digest(reps: int, work: Path, files: int) -> list[Row]:
    """The plan's content digest of a large context: first (every file read), then again
    with the file digests stored (only directory entries read)."""
    from framework.plan.content import FileDigests
    from framework.plan.digest import step_digests

    app = large_context(work, files)
    old = time.time() - 3600  # digests of files changed in the last seconds are not kept
    for path in app.rglob("*"):
        os.utime(path, (old, old))
    image = Image.from_("python:3.11-slim").copy(Context(app), "/app")
    store = work / "file-digests.sqlite3"
    first = Row(f"plan digest, {files:,}-file context, first (reads every file)")
    again = Row(f"plan digest, {files:,}-file context, again (stored file digests)")
    floor = Row(f"the floor: list and lstat every entry of the {files:,}-file context")

    def plan() -> None:
        step_digests(compile(image), FileDigests(store))

    for rep in range(reps + 1):
        store.unlink(missing_ok=True)
        for row, measured in ((first, plan), (again, plan), (floor, lambda: _lstat_walk(str(app)))):
            started = time.perf_counter()
            measured()
            if rep:  # the first repetition is the warm-up
                row.framework.append(time.perf_counter() - started)
    again.notes["times_the_floor"] = round(again.medians()[0] / floor.medians()[0], 2)
    return [first, again, floor]


def _lstat_walk(directory: str) -> None:
    """What any stat-based check of a tree costs at least (git's, BuildKit's, ours):
    each entry listed and ``lstat``ed once, nothing else."""
    for entry in os.scandir(directory):
        if stat.S_ISDIR(entry.stat(follow_symlinks=False).st_mode):
            _lstat_walk(entry.path)


def all_rows(work: Path, reps: int, files: int, images: Images, *, smoke: bool) -> list[Row]:
    """Every in-process case (``smoke``: no Flask or Go builds)."""
    rows: list[Row] = []
    runners: tuple[tuple[str, Callable[[Path], list[Row]]], ...] = (
        ("flask", lambda w: flask(w, reps, images)),
        ("go", lambda w: go(w, reps, images)),
        ("big", lambda w: big(w, reps, images, files)),
        ("digest", lambda w: plan_digest(reps, w, files)),
    )
    for name, runner in runners:
        if smoke and name in {"flask", "go"}:
            continue
        (work / name).mkdir()
        rows += runner(work / name)
    rows += chaining(reps)
    return rows
