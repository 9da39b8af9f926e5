"""BuildKit's cache through the framework: unchanged steps never run twice."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from framework import Context, Image, SilentProgress, build
from pipelines.flask_app import flask_app
from tests.e2e.conftest import Docker

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flask_app"


def _statuses(result_steps: tuple) -> dict[str, str]:  # type: ignore[type-arg]
    return {s.description: s.status for s in result_steps if s.status != "config"}


def test_second_build_is_all_cached_and_app_change_reruns_only_later_steps(
    docker: Docker, tmp_path: Path
) -> None:
    app_dir = tmp_path / "flask_app"
    shutil.copytree(EXAMPLE, app_dir)
    # A unique app.py, so the first build really executes the source copy.
    (app_dir / "app.py").write_text(
        (EXAMPLE / "app.py").read_text() + f"\n# build {uuid.uuid4().hex}\n"
    )
    tag = docker.tag("flask-cache")
    first = build(flask_app(Context(app_dir)), tag=tag, progress=SilentProgress())
    assert any(s.description.startswith("COPY flask_app/app.py") for s in first.executed())

    second = build(flask_app(Context(app_dir)), tag=tag, progress=SilentProgress())
    steps = _statuses(second.steps)
    assert len(steps) == 4, steps  # WORKDIR, COPY requirements, RUN pip, COPY app.py
    assert set(steps.values()) == {"cached"}, steps
    assert second.image_id == first.image_id

    (app_dir / "app.py").write_text((app_dir / "app.py").read_text() + "# changed\n")
    third = build(flask_app(Context(app_dir)), tag=tag, progress=SilentProgress())
    steps = _statuses(third.steps)
    assert steps == {
        "WORKDIR /app": "cached",
        "COPY flask_app/requirements.txt -> .": "cached",
        "RUN pip install -r requirements.txt": "cached",
        "COPY flask_app/app.py -> .": "executed",
    }
    assert third.image_id != second.image_id
    assert "# changed" in docker.run(tag, "cat", "/app/app.py")


def test_cache_mount_persists_between_builds_and_stays_out_of_the_image(docker: Docker) -> None:
    key = uuid.uuid4().hex[:8]
    cache = f"/cache-{key}"

    def image(nonce: str) -> Image:
        return Image.from_("debian:bookworm-slim").run(
            f"touch {cache}/{nonce} && ls {cache} > /seen", cache=cache
        )

    tag = docker.tag("cache-mount")
    build(image("first"), tag=tag, progress=SilentProgress())
    assert docker.run(tag, "cat", "/seen").split() == ["first"]
    build(image("second"), tag=tag, progress=SilentProgress())
    assert docker.run(tag, "cat", "/seen").split() == ["first", "second"]  # kept between builds
    # The mount point is absent (BuildKit 0.11+ removes the directory it made for it) or
    # empty (Docker 20.10): the cache's content never enters the image.
    listing = docker.run(tag, "sh", "-c", f"test ! -e {cache} || ls -A {cache}")
    assert listing == ""
