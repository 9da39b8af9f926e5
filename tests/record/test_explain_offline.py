"""``predict`` without a daemon: a recorded build of a tag (as ``remember`` stores it)
against a new plan names the input that changed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from framework import Context, Image, compile
from framework.record.builds import DaemonState, tag_key
from framework.record.explanation import predict
from framework.record.inputs import summarise
from framework.record.store import RecordStore

DAEMON = "TEST:DAEMON"
BASE = "debian:bookworm-slim"


@pytest.fixture
def store(tmp_path: Path) -> RecordStore:
    return RecordStore(tmp_path / "records.sqlite3")


def _state(base_id: str = "sha256:aaa") -> DaemonState:
    return DaemonState("/nonexistent.sock", DAEMON, "20.10.24", {BASE: base_id})


def _record(image: Image, store: RecordStore, base_id: str = "sha256:aaa") -> None:
    plan = compile(image)
    stages = summarise(plan, {BASE: base_id})
    store.put(
        "tag",
        tag_key(DAEMON, "app:1"),
        {"key": "k", "image_id": "sha256:1", "built_at": time.time(), "stages": stages},
    )


def _app(root: Path, mode: str = "one") -> Image:
    builder = (
        Image.from_(BASE)
        .named("builder")
        .workdir("/src")
        .copy(Context(root), ".")
        .run("cat *.txt > /out")
    )
    return Image.from_(BASE).env(MODE=mode).copy(builder / "/out", "/out").cmd(["cat", "/out"])


@pytest.fixture
def root(tmp_path: Path) -> Path:
    directory = tmp_path / "src"
    directory.mkdir()
    (directory / "a.txt").write_text("a\n")
    (directory / "b.txt").write_text("b\n")
    return directory


def _causes(image: Image, store: RecordStore, state: DaemonState) -> list[tuple[str, str]]:
    return [(s.prediction, s.cause) for s in predict(compile(image), ("app:1",), state, store)]


def test_unchanged_is_all_cached(root: Path, store: RecordStore) -> None:
    _record(_app(root), store)
    assert set(_causes(_app(root), store, _state())) == {("cached", "unchanged")}


def test_without_a_record_everything_is_unknown(root: Path, store: RecordStore) -> None:
    assert set(_causes(_app(root), store, _state())) == {("unknown", "no-record")}


def test_an_edited_file_names_itself_and_the_stage_copy_follows(
    root: Path, store: RecordStore
) -> None:
    _record(_app(root), store)
    (root / "b.txt").write_text("b, edited\n")
    steps = predict(compile(_app(root)), ("app:1",), _state(), store)
    by_stage = [(s.stage, s.description, s.cause) for s in steps]
    assert by_stage[0] == ("builder", "WORKDIR /src", "unchanged")
    copy = steps[1]
    assert copy.cause == "files"
    assert [c.what for c in copy.changes] == ["b.txt"]
    assert steps[2].cause == "parent"  # the RUN after it
    target = [s for s in steps if s.stage != "builder"]
    assert [s.cause for s in target] == ["unchanged", "stage", "parent"]


def test_a_changed_env_value_is_named(root: Path, store: RecordStore) -> None:
    _record(_app(root, mode="one"), store)
    steps = predict(compile(_app(root, mode="two")), ("app:1",), _state(), store)
    env = next(s for s in steps if s.description.startswith("ENV"))
    assert env.cause == "env"
    assert [(c.what, c.old, c.new) for c in env.changes] == [("MODE", "one", "two")]
    assert all(s.cause == "unchanged" for s in steps if s.stage == "builder")


def test_a_new_base_image_id_rebuilds_both_stages(root: Path, store: RecordStore) -> None:
    _record(_app(root), store, base_id="sha256:aaa")
    steps = predict(compile(_app(root)), ("app:1",), _state("sha256:bbb"), store)
    firsts = [s for s in steps if s.index == 1]
    assert [s.cause for s in firsts] == ["base", "base"]
    assert firsts[0].changes[0].old == "sha256:aaa"
    assert firsts[0].changes[0].new == "sha256:bbb"
    assert {s.prediction for s in steps} == {"rebuilt"}
