"""A run step with ``no_cache``: never answered from the build record, and explained as
rebuilt with the cause ``no-cache`` (the steps after it: their parent is rebuilt)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from framework import Image, compile
from framework.record.builds import DaemonState, answer, runs_every_time, tag_key
from framework.record.explanation import predict
from framework.record.inputs import summarise
from framework.record.store import RecordStore

DAEMON = "TEST:DAEMON"
BASE = "debian:bookworm-slim"


def _image(no_cache: bool) -> Image:
    return (
        Image.from_(BASE)
        .run("echo before")
        .run("date +%s%N > /stamp", no_cache=no_cache)
        .run("echo after")
    )


def test_a_plan_with_a_no_cache_step_runs_every_time() -> None:
    assert runs_every_time(compile(_image(True)))
    assert not runs_every_time(compile(_image(False)))
    builder = _image(True).named("builder")
    assert runs_every_time(compile(Image.from_(BASE).copy(builder / "/stamp", "/stamp")))


def test_the_record_is_not_even_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from framework.record import builds

    def no_daemon(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the daemon was asked")

    monkeypatch.setattr(builds, "DaemonAPI", no_daemon)
    store = RecordStore(tmp_path / "records.sqlite3")
    host = f"unix://{tmp_path / 'docker.sock'}"
    assert answer(compile(_image(True)), ("app:1",), (), host, store) is None


def _state() -> DaemonState:
    return DaemonState("/nonexistent.sock", DAEMON, "20.10.24", {BASE: "sha256:aaa"})


def test_explain_predicts_the_step_rebuilt_because_of_no_cache(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "records.sqlite3")
    plan = compile(_image(True))
    found = predict(plan, ("app:1",), _state(), store)  # no record yet
    assert [(s.prediction, s.cause) for s in found] == [
        ("unknown", "no-record"),
        ("rebuilt", "no-cache"),
        ("unknown", "no-record"),
    ]
    store.put(
        "tag",
        tag_key(DAEMON, "app:1"),
        {
            "key": "k",
            "image_id": "sha256:1",
            "built_at": time.time(),
            "stages": summarise(plan, {BASE: "sha256:aaa"}),
        },
    )
    found = predict(plan, ("app:1",), _state(), store)
    assert [(s.prediction, s.cause) for s in found] == [
        ("cached", "unchanged"),
        ("rebuilt", "no-cache"),
        ("rebuilt", "parent"),
    ]
    assert "no_cache" in found[1].reason
