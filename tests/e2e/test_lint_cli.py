"""``framework lint`` and ``build --lint`` against the real daemon: the example pipelines
lint clean, FW105 asks the image store, FW108 reads the base image's user, and
``--lint=error`` stops a build before the engine starts."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from framework import Image, build
from framework.lint import lint
from framework.progress import SilentProgress
from tests.e2e.conftest import Docker, cli

EXAMPLES = ["pipelines/flask_app.py", "pipelines/go_app.py", "pipelines/nginx_site.py"]


@pytest.mark.parametrize("target", EXAMPLES)
def test_the_examples_lint_clean_from_the_command_line(docker: Docker, target: str) -> None:
    result = cli("lint", target, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert report["skipped_rules"] == []  # the daemon answered: FW105 ran
    assert report["silenced"]  # each example says why it keeps a finding
    assert all(len(s["reason"]) > 20 for s in report["silenced"])


def test_the_examples_lint_clean_from_python(docker: Docker) -> None:
    from pipelines.flask_app import flask_app
    from pipelines.go_app import go_app, go_builder
    from pipelines.nginx_site import nginx_site

    for make in (flask_app, go_app, go_builder, nginx_site):
        report = lint(make())
        assert report.findings == (), (make.__name__, report.findings)
        assert report.skipped == ()


def test_fw105_asks_the_image_store_for_a_slim_variant(docker: Docker) -> None:
    name = f"wt-lint-fw105-{uuid.uuid4().hex[:8]}/py"
    for tag in (f"{name}:3.11", f"{name}:3.11-slim"):
        docker("tag", "python:3.11-slim", tag)
        docker.tags.append(tag)
    full = lint(Image.from_(f"{name}:3.11").user("1000"))
    assert [f.rule for f in full.findings] == ["FW105"]
    assert f"'{name}:3.11-slim' is present locally" in full.findings[0].message
    assert lint(Image.from_(f"{name}:3.11-slim").user("1000")).findings == ()
    docker("rmi", f"{name}:3.11-slim")
    assert lint(Image.from_(f"{name}:3.11").user("1000")).findings == ()


def test_fw108_reads_the_base_images_user(docker: Docker) -> None:
    tag = docker.tag("nonroot-base")
    build(Image.from_("debian:bookworm-slim").user("1000"), tag=tag, progress=SilentProgress())
    assert lint(Image.from_(tag).cmd(["true"])).findings == ()
    assert [f.rule for f in lint(Image.from_(tag).user("root")).findings] == ["FW108"]


PIPELINE = """\
from framework import Image


def latest() -> Image:
    return Image.from_("debian:latest").user("1000")


def warned() -> Image:
    return Image.from_("debian:bookworm-slim").run("pip install x || true").user("1000")
"""


def test_build_lint_error_stops_before_the_engine(docker: Docker, tmp_path: Path) -> None:
    (tmp_path / "p.py").write_text(PIPELINE)
    tag = docker.tag("lint-error")
    result = cli("build", "p.py:latest", "-t", tag, "--lint", "error", "--json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "p.py:5: FW104 base image 'debian:latest' is tagged latest" in result.stderr
    assert json.loads(result.stdout)["kind"] == "build"
    assert not docker.exists(tag)


def test_build_warns_by_default_and_builds(docker: Docker, tmp_path: Path) -> None:
    (tmp_path / "p.py").write_text(PIPELINE)
    tag = docker.tag("lint-warn")
    result = cli("build", "p.py:warned", "-t", tag, "--progress", "quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning: p.py:9: FW111 pip install keeps its download cache" in result.stderr
    assert docker.exists(tag)
    off = cli("build", "p.py:warned", "-t", tag, "--progress", "quiet", "--lint", "off",
              cwd=tmp_path)  # fmt: skip
    assert off.returncode == 0, off.stderr
    assert "FW111" not in off.stderr
