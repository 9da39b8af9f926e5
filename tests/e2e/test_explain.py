"""``explain`` on the real daemon: the input that changed since the last build of a tag,
on a small image, the Flask pipeline and the Go example; after a build, the prediction
next to what BuildKit did."""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from pathlib import Path

import pytest

from framework import Context, Image, SilentProgress, build, explain
from tests.e2e.conftest import ROOT, Docker, cli

pytestmark = pytest.mark.e2e


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _image(root: Path, mode: str = "one") -> Image:
    return (
        Image.from_("debian:bookworm-slim")
        .workdir("/app")
        .copy(Context(root) / "files", "files")
        .env(MODE=mode)
        .run("cat files/*.txt > /app/out")
        .cmd(["cat", "/app/out"])
    )


@pytest.fixture
def context(tmp_path: Path) -> Path:
    root = tmp_path / "ctx"
    (root / "files").mkdir(parents=True)
    (root / "files" / "a.txt").write_text(f"a {uuid.uuid4().hex}\n")
    (root / "files" / "b.txt").write_text("b\n")
    return root


def test_unchanged_is_all_cached_and_answered_from_the_record(
    docker: Docker, cache_home: Path, context: Path
) -> None:
    tag = docker.tag("explain-same")
    built = build(_image(context), tag=tag, progress=SilentProgress())
    found = explain(_image(context), tag=tag)
    assert {s.prediction for s in found.steps} == {"cached"}
    assert {s.cause for s in found.steps} == {"unchanged"}
    assert found.from_record
    assert found.image_id == built.image_id


def test_no_record_is_unknown(docker: Docker, cache_home: Path, context: Path) -> None:
    found = explain(_image(context), tag=docker.tag("explain-never-built"))
    assert {s.prediction for s in found.steps} == {"unknown"}
    assert not found.from_record


def test_an_edited_file_is_named_with_both_hashes_and_later_steps_follow(
    docker: Docker, cache_home: Path, context: Path
) -> None:
    tag = docker.tag("explain-file")
    build(_image(context), tag=tag, progress=SilentProgress())
    edited = context / "files" / "b.txt"
    old = _sha(edited)
    edited.write_text("b, edited\n")
    found = explain(_image(context), tag=tag)
    causes = [(s.description, s.prediction, s.cause) for s in found.steps]
    assert causes[0] == ("WORKDIR /app", "cached", "unchanged")
    copy = found.steps[1]
    assert (copy.prediction, copy.cause) == ("rebuilt", "files")
    (change,) = copy.changes
    assert (change.kind, change.what, change.old, change.new) == (
        "file",
        "files/b.txt",
        old,
        _sha(edited),
    )
    assert "files/b.txt" in copy.reason
    assert [(s.prediction, s.cause) for s in found.steps[2:]] == [("rebuilt", "parent")] * 3

    result = build(_image(context), tag=tag, progress=SilentProgress())
    after = explain(_image(context), tag=tag, after=True)
    assert after.after
    actual = {s.description: s.actual for s in after.steps}
    assert actual["COPY ctx/files -> files"] == "executed"
    assert actual["RUN cat files/*.txt > /app/out"] == "executed"
    assert after.disagreements == ()
    assert after.image_id == result.image_id


def test_a_changed_env_value_is_named(docker: Docker, cache_home: Path, context: Path) -> None:
    tag = docker.tag("explain-env")
    build(_image(context, mode="one"), tag=tag, progress=SilentProgress())
    found = explain(_image(context, mode="two"), tag=tag)
    env_step = next(s for s in found.steps if s.description.startswith("ENV"))
    assert (env_step.prediction, env_step.cause) == ("rebuilt", "env")
    (change,) = env_step.changes
    assert (change.kind, change.what, change.old, change.new) == ("env", "MODE", "one", "two")
    assert "MODE" in env_step.reason
    run = next(s for s in found.steps if s.description.startswith("RUN"))
    assert run.cause == "parent"
    copy = next(s for s in found.steps if s.description.startswith("COPY"))
    assert copy.prediction == "cached"


def test_the_flask_pipeline_names_the_edited_app_file(
    docker: Docker, cache_home: Path, tmp_path: Path
) -> None:
    app = tmp_path / "flask_app"
    shutil.copytree(ROOT / "examples" / "flask_app", app)
    (app / "app.py").write_text((app / "app.py").read_text() + f"\n# {uuid.uuid4().hex}\n")
    tag = docker.tag("explain-flask")
    env = {"XDG_CACHE_HOME": str(cache_home)}
    pipeline = ("pipelines/flask_app.py", "--app", str(app))
    built = cli("build", pipeline[0], "-t", tag, "--json", *pipeline[1:], env=env)
    assert built.returncode == 0, built.stderr
    old = _sha(app / "app.py")
    (app / "app.py").write_text((app / "app.py").read_text() + "# edited\n")

    shown = cli("explain", pipeline[0], "-t", tag, "--json", *pipeline[1:], env=env)
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    steps = {s["description"]: s for s in document["steps"]}
    assert steps["RUN pip install -r requirements.txt"]["prediction"] == "cached"
    copy = steps["COPY flask_app/app.py -> ."]
    assert copy["cause"] == "files"
    assert copy["changes"] == [
        {"kind": "file", "what": "app.py", "old": old, "new": _sha(app / "app.py")}
    ]
    assert steps["EXPOSE 5000/tcp"]["cause"] == "parent"
    assert document["from_record"] is False

    text = cli("explain", pipeline[0], "-t", tag, *pipeline[1:], env=env)
    assert "copied files changed: app.py" in text.stdout

    rebuilt = cli("build", pipeline[0], "-t", tag, "--json", *pipeline[1:], env=env)
    assert json.loads(rebuilt.stdout)["from_record"] is False
    after = json.loads(
        cli("explain", pipeline[0], "-t", tag, "--after", "--json", *pipeline[1:], env=env).stdout
    )
    assert after["disagreements"] == 0
    statuses = {s["description"]: (s["prediction"], s["actual"]) for s in after["steps"]}
    assert statuses["COPY flask_app/app.py -> ."] == ("rebuilt", "executed")
    assert statuses["RUN pip install -r requirements.txt"] == ("cached", "cached")


def test_the_go_example_names_the_source_file_and_the_stage_copy(
    docker: Docker, cache_home: Path, tmp_path: Path
) -> None:
    source = tmp_path / "go_app"
    shutil.copytree(ROOT / "examples" / "go_app", source)
    tag = docker.tag("explain-go")
    env = {"XDG_CACHE_HOME": str(cache_home)}
    target = ("pipelines/go_app.py", "--source", str(source))
    built = cli("build", target[0], "-t", tag, *target[1:], env=env)
    assert built.returncode == 0, built.stderr
    main = source / "main.go"
    old = _sha(main)
    main.write_text(main.read_text() + "\n// edited\n")

    document = json.loads(
        cli("explain", target[0], "-t", tag, "--json", *target[1:], env=env).stdout
    )
    by_stage: dict[str, list[dict[str, object]]] = {}
    for step in document["steps"]:
        by_stage.setdefault(step["stage"], []).append(step)
    builder = by_stage["go-build"]
    copy = next(s for s in builder if s["cause"] == "files")
    assert copy["changes"] == [{"kind": "file", "what": "main.go", "old": old, "new": _sha(main)}]
    assert [s["cause"] for s in builder if str(s["description"]).startswith("RUN")] == ["parent"]
    (runtime,) = (steps for name, steps in by_stage.items() if name != "go-build")
    assert runtime[0]["prediction"] == "rebuilt"
    assert runtime[0]["cause"] == "stage"
    assert "stage go-build" in str(runtime[0]["reason"])
    assert [s["cause"] for s in runtime[1:]] == ["parent"] * len(runtime[1:])


@pytest.mark.parametrize("example", ["flask_app", "go_app", "nginx_site"])
def test_each_example_pipeline_from_python_is_all_cached_after_its_build(
    example: str, docker: Docker, cache_home: Path
) -> None:
    """From Python: before the first build of a tag every step is unknown; right after
    it, every step is predicted cached, and ``after`` agrees with what BuildKit did."""
    module = __import__(f"pipelines.{example}", fromlist=[example])
    image = getattr(module, example)()
    tag = docker.tag(f"explain-{example}")
    before = explain(image, tag=tag)
    assert {step.prediction for step in before.steps} == {"unknown"}
    build(image, tag=tag, progress=SilentProgress())
    now = explain(image, tag=tag)
    assert {step.prediction for step in now.steps} == {"cached"}
    assert now.from_record
    after = explain(image, tag=tag, after=True)
    assert after.disagreements == ()
