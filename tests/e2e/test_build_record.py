"""The build record on the real daemon: an unchanged build is answered without BuildKit,
and every change that matters (a copied file, a moved base tag, a removed image,
--no-cache) leads to a real build; concurrent builds and a corrupt record file are safe.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from framework import Context, Image, SilentProgress, build
from framework.outcome import BuildResult, StepKey, StepReport
from framework.record.store import default_path
from tests.e2e.conftest import ROOT, Docker, cli

pytestmark = pytest.mark.e2e


class Events:
    """A progress display that keeps every event (to prove no BuildKit step ran)."""

    def __init__(self) -> None:
        self.engine = ""
        self.started: list[StepKey] = []
        self.output: list[str] = []
        self.finished: list[StepReport] = []

    def begin(self, engine: str, target: str) -> None:
        self.engine = engine

    def step_started(self, key: StepKey, description: str) -> None:
        self.started.append(key)

    def step_output(self, key: StepKey, line: str) -> None:
        self.output.append(line)

    def step_finished(self, report: StepReport) -> None:
        self.finished.append(report)

    def end(self, result: BuildResult | None) -> None:
        pass


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache directory, so the record these tests read is theirs alone."""
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def context(tmp_path: Path) -> Path:
    root = tmp_path / "ctx"
    (root / "files").mkdir(parents=True)
    (root / "files" / "a.txt").write_text(f"a {uuid.uuid4().hex}\n")
    (root / "files" / "b.txt").write_text("b\n")
    return root


def _image(root: Path, base: str = "debian:bookworm-slim", mode: str = "one") -> Image:
    return (
        Image.from_(base)
        .workdir("/app")
        .copy(Context(root) / "files", "files")
        .env(MODE=mode)
        .run("cat files/a.txt files/b.txt > /app/out && echo $MODE >> /app/out")
        .cmd(["cat", "/app/out"])
    )


def test_a_noop_rebuild_is_answered_from_the_record(
    docker: Docker, cache_home: Path, context: Path
) -> None:
    tag = docker.tag("record-noop")
    first = build(_image(context), tag=tag, progress=SilentProgress())
    assert not first.from_record
    assert first.executed()

    events = Events()
    second = build(_image(context), tag=tag, progress=events)
    assert second.from_record
    assert second.image_id == first.image_id
    assert [s.status for s in second.steps] == [
        "cached" if s.status != "config" else "config" for s in first.steps
    ]
    for step in second.steps:
        assert step.reason is not None
        assert "unchanged since the build at" in step.reason
        assert f"still tagged {tag}" in step.reason
    # No BuildKit solve: no step output, each step shown as started and cached at once.
    assert events.output == []
    assert events.started == [s.key for s in second.steps]
    assert [r.status for r in events.finished] == [s.status for s in second.steps]
    assert "build record" in events.engine
    assert docker.run(tag).splitlines()[-1] == "one"


def test_the_answer_spawns_nothing_and_loads_no_engine(
    docker: Docker, cache_home: Path, context: Path, tmp_path: Path
) -> None:
    tag = docker.tag("record-imports")
    build(_image(context), tag=tag, progress=SilentProgress())
    script = tmp_path / "answer.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import subprocess, sys, traceback
            from pathlib import Path
            real_import = __builtins__.__import__
            def watched(name, *args, **kwargs):
                if name.split(".")[0] in ("anyio", "httpx", "dagger") and name not in sys.modules:
                    traceback.print_stack(file=sys.stderr)
                return real_import(name, *args, **kwargs)
            __builtins__.__import__ = watched
            spawned = []
            class Refused(subprocess.Popen):
                def __init__(self, *args, **kwargs):
                    spawned.append(args)
                    super().__init__(*args, **kwargs)
            subprocess.Popen = Refused
            sys.path.insert(0, {str(ROOT)!r})
            from framework import Context, Image, SilentProgress, build
            image = (
                Image.from_("debian:bookworm-slim")
                .workdir("/app")
                .copy(Context({str(context)!r}) / "files", "files")
                .env(MODE="one")
                .run("cat files/a.txt files/b.txt > /app/out && echo $MODE >> /app/out")
                .cmd(["cat", "/app/out"])
            )
            result = build(image, tag={tag!r}, progress=SilentProgress())
            loaded = [m for m in ("anyio", "httpx", "dagger") if m in sys.modules]
            print(result.from_record, len(spawned), loaded)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True 0 []", done.stderr


def test_a_changed_file_builds_for_real(docker: Docker, cache_home: Path, context: Path) -> None:
    tag = docker.tag("record-file")
    first = build(_image(context), tag=tag, progress=SilentProgress())
    (context / "files" / "b.txt").write_text("b changed\n")
    second = build(_image(context), tag=tag, progress=SilentProgress())
    assert not second.from_record
    assert second.image_id != first.image_id
    assert "b changed" in docker.run(tag)
    third = build(_image(context), tag=tag, progress=SilentProgress())
    assert third.from_record
    assert third.image_id == second.image_id


@pytest.fixture
def base_ref(docker: Docker) -> Iterator[str]:
    """A base reference of our own, ``localhost:5000/wt-record/base:<id>`` (local only)."""
    reference = f"localhost:5000/wt-record/base:{uuid.uuid4().hex[:10]}"
    docker("tag", "debian:bookworm-slim", reference)
    yield reference
    docker("rmi", reference, check=False)


def test_a_moved_base_tag_builds_for_real_and_explain_names_it(
    docker: Docker, cache_home: Path, context: Path, base_ref: str
) -> None:
    from framework import explain

    tag = docker.tag("record-base")
    first = build(_image(context, base=base_ref), tag=tag, progress=SilentProgress())
    marker = uuid.uuid4().hex
    other_tag = docker.tag("record-other-base")
    other = build(
        Image.from_("debian:bookworm-slim").run(f"echo {marker} > /marker"),
        tag=other_tag,
        progress=SilentProgress(),
    )
    docker("tag", other.image_id, base_ref)  # move the base tag

    found = explain(_image(context, base=base_ref), tag=tag)
    first_step = found.steps[0]
    assert (first_step.prediction, first_step.cause) == ("rebuilt", "base")
    assert first_step.changes[0].what == base_ref
    assert first_step.changes[0].old == docker.inspect("debian:bookworm-slim")["Id"]
    assert first_step.changes[0].new == other.image_id
    assert {s.cause for s in found.steps[1:]} == {"parent"}

    second = build(_image(context, base=base_ref), tag=tag, progress=SilentProgress())
    assert not second.from_record
    assert second.image_id != first.image_id
    assert docker.run(tag, "cat", "/marker", entrypoint="").strip() == marker


def test_a_removed_image_builds_for_real(docker: Docker, cache_home: Path, context: Path) -> None:
    tag = docker.tag("record-rmi")
    first = build(_image(context), tag=tag, progress=SilentProgress())
    docker("rmi", tag)
    second = build(_image(context), tag=tag, progress=SilentProgress())
    assert not second.from_record
    assert second.image_id == first.image_id  # BuildKit's cache gives the same image back
    assert docker.inspect(tag)["Id"] == first.image_id


def test_a_tag_moved_elsewhere_builds_for_real(
    docker: Docker, cache_home: Path, context: Path
) -> None:
    tag = docker.tag("record-retag")
    first = build(_image(context), tag=tag, progress=SilentProgress())
    docker("tag", "debian:bookworm-slim", tag)
    second = build(_image(context), tag=tag, progress=SilentProgress())
    assert not second.from_record
    assert docker.inspect(tag)["Id"] == first.image_id == second.image_id


def _pipeline(tmp_path: Path, context: Path) -> Path:
    path = tmp_path / "record_pipeline.py"
    path.write_text(
        textwrap.dedent(
            f"""
            from pathlib import Path
            from framework import Context, Image

            def record_pipeline(mode: str = "one") -> Image:
                return (
                    Image.from_("debian:bookworm-slim")
                    .workdir("/app")
                    .copy(Context({str(context)!r}) / "files", "files")
                    .env(MODE=mode)
                    .run("cat files/a.txt files/b.txt > /app/out && echo $MODE >> /app/out")
                    .cmd(["cat", "/app/out"])
                )
            """
        )
    )
    return path


def test_no_cache_bypasses_the_record_and_buildkits_cache(
    docker: Docker, cache_home: Path, context: Path, tmp_path: Path
) -> None:
    pipeline = str(_pipeline(tmp_path, context))
    tag = docker.tag("record-nocache")
    env = {"XDG_CACHE_HOME": str(cache_home)}
    assert cli("build", pipeline, "-t", tag, "--json", env=env).returncode == 0
    again = cli("build", pipeline, "-t", tag, "--json", env=env)
    assert json.loads(again.stdout)["from_record"] is True
    forced = cli("build", pipeline, "-t", tag, "--json", "--no-cache", env=env)
    assert forced.returncode == 0, forced.stderr
    summary = json.loads(forced.stdout)
    assert summary["from_record"] is False
    statuses = {s["description"]: s["status"] for s in summary["steps"]}
    assert statuses["RUN cat files/a.txt files/b.txt > /app/out && echo $MODE >> /app/out"] == (
        "executed"
    )
    # BuildKit 0.8 still shows WORKDIR's mkdir as cached under --no-cache; the copy and
    # the run step run again.
    assert statuses["COPY ctx/files -> files"] == "executed", statuses


def test_two_concurrent_builds_both_succeed_and_keep_the_record_whole(
    docker: Docker, cache_home: Path, context: Path, tmp_path: Path
) -> None:
    pipeline = str(_pipeline(tmp_path, context))
    tags = [docker.tag("record-concurrent-a"), docker.tag("record-concurrent-b")]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    env.pop("GITHUB_ACTIONS", None)
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "framework", "build", pipeline, "-t", tag, "--json"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in tags
    ]
    outputs = [process.communicate(timeout=600) for process in running]
    for process, (stdout, stderr) in zip(running, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert json.loads(stdout)["ok"] is True
    ids = {json.loads(stdout)["image_id"] for stdout, _ in outputs}
    assert len(ids) == 1
    for tag in tags:
        again = cli("build", pipeline, "-t", tag, "--json", env={"XDG_CACHE_HOME": str(cache_home)})
        assert json.loads(again.stdout)["from_record"] is True, again.stderr
    check = subprocess.run(
        ["python3", "-c", f"import sqlite3; print(sqlite3.connect({str(default_path())!r})"
         ".execute('PRAGMA integrity_check').fetchone()[0])"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert check.stdout.strip() == "ok"


def test_a_corrupt_record_file_is_ignored_and_replaced(
    docker: Docker, cache_home: Path, context: Path
) -> None:
    tag = docker.tag("record-corrupt")
    first = build(_image(context), tag=tag, progress=SilentProgress())
    path = default_path()
    path.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    second = build(_image(context), tag=tag, progress=SilentProgress())
    assert not second.from_record
    assert second.image_id == first.image_id
    third = build(_image(context), tag=tag, progress=SilentProgress())
    assert third.from_record  # the file was replaced and the build recorded again


def test_a_push_always_pushes(
    docker: Docker, cache_home: Path, context: Path, registry: str
) -> None:
    reference = f"{registry}/wt-record/push:{uuid.uuid4().hex[:10]}"
    docker.tags.append(reference)
    build(_image(context), tag=reference, progress=SilentProgress())
    pushed = build(_image(context), tag=reference, push=True, progress=SilentProgress())
    assert not pushed.from_record
    assert len(pushed.pushed) == 1
    assert pushed.pushed[0].startswith(reference + "@sha256:")


def test_build_async_answers_from_the_record_too(
    docker: Docker, cache_home: Path, context: Path
) -> None:
    import anyio

    from framework import build_async

    tag = docker.tag("record-async")
    first = build(_image(context), tag=tag, progress=SilentProgress())

    async def again() -> BuildResult:
        return await build_async(_image(context), tag=tag, progress=SilentProgress())

    second = anyio.run(again)
    assert second.from_record
    assert second.image_id == first.image_id
