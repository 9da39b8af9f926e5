"""``framework size`` on the real daemon: dead bytes of a file added then deleted, the Go
example's final image against its build stage, and the SVG drawing."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from framework import DockerEngine
from framework.size import measure, measure_image
from tests.e2e.conftest import Docker, cli

WASTE = """\
from framework import Image


def waste() -> Image:
    return (
        Image.from_("debian:bookworm-slim")
        .workdir("/data")
        .run("head -c 1048576 /dev/urandom > /data/big.bin")
        .env(MODE="test")
        .run(["rm", "/data/big.bin"])
        .user("1000")
    )
"""
MB = 1 << 20


def _waste(tmp_path: Path) -> Path:
    path = tmp_path / "waste.py"
    path.write_text(WASTE)
    return path


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_file_added_then_deleted_is_reported_as_dead_bytes(
    docker: Docker, tmp_path: Path
) -> None:
    pipeline = _waste(tmp_path)
    result = cli("size", str(pipeline), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["pipeline"] == "waste"
    dead = [d for d in report["dead"] if d["path"] == "/data/big.bin"]
    assert len(dead) == 1
    assert dead[0]["bytes"] == MB
    assert dead[0]["how"] == "deleted"
    assert report["dead_bytes"] >= MB
    layers = report["layers"]
    added, removed = layers[dead[0]["added_in"]], layers[dead[0]["removed_in"]]
    assert added["step"].startswith("RUN head -c 1048576")
    assert added["where"] == f"waste.py:{_line(pipeline, 'head -c')}"
    assert added["bytes"] == MB
    assert added["dead_bytes"] == MB
    assert added["largest"][0] == {"path": "/data/big.bin", "bytes": MB}
    assert removed["step"] == "RUN rm /data/big.bin"
    # Every step is listed; config steps made no layer and show 0.
    steps = {s["step"]: s for s in report["steps"]}
    assert steps['ENV MODE="test"']["layer"] is None
    assert steps['ENV MODE="test"']["bytes"] == 0
    assert steps["USER 1000"]["bytes"] == 0
    # The suggestion names the lint rule and the deleting step's line.
    fw112 = [s for s in report["suggestions"] if s["rule"] == "FW112"]
    assert fw112
    rm_line = _line(pipeline, '["rm"')
    assert fw112[0]["where"] == f"waste.py:{rm_line}"
    assert "/data/big.bin" in fw112[0]["message"]
    assert fw112[0]["bytes"] == MB
    # The same rule catches it before the build.
    linted = json.loads(cli("lint", str(pipeline), "--json", cwd=tmp_path).stdout)
    assert [f["rule"] for f in linted["findings"]] == ["FW112"]
    # The text table says it too; no temporary tag is left behind.
    text = cli("size", str(pipeline), cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "/data/big.bin" in text.stdout
    assert "dead bytes" in text.stdout
    assert "framework-size" not in docker("image", "ls", "--format", "{{.Repository}}")


def test_the_go_example_final_image_against_its_build_stage(docker: Docker) -> None:
    from pipelines.go_app import go_app

    report = measure(go_app(), engine=DockerEngine(), name="go_app")
    stages = {s.name: s for s in report.stages}
    final = next(s for s in report.stages if s.final)
    build_stage = stages["go-build"]
    assert not build_stage.final
    assert final.size < 5_000_000  # the static binary alone: ~1.8 MB
    assert build_stage.size > 300_000_000  # golang:1.19 and the build: ~750 MB
    assert build_stage.size / final.size > 100
    assert final.size == report.size
    # The final image's one layer is the copy out of the build stage.
    assert report.steps[0].step == "COPY go-build:/out/hello -> /hello"
    assert report.steps[0].bytes == report.layers[0].bytes > 1_000_000
    assert report.layers[0].largest[0][0] == "/hello"
    # The build stage's steps are measured from its history: the compile step wrote /out.
    run = next(s for s in build_stage.steps if s.step.startswith("RUN go build"))
    assert run.bytes > 1_000_000
    # The same from the command line, as JSON.
    result = cli("size", "pipelines/go_app.py", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    sizes = {s["name"]: s["size"] for s in document["stages"]}
    assert sizes["go-build"] / document["size"] > 100


def test_svg_has_one_bar_per_layer_of_an_image(docker: Docker, tmp_path: Path) -> None:
    out = tmp_path / "layers.svg"
    result = cli("size", "python:3.11-slim", "--format", "svg", "-o", str(out))
    assert result.returncode == 0, result.stderr
    root = ET.parse(out).getroot()
    bars = [e for e in root.iter("{http://www.w3.org/2000/svg}rect") if e.get("class") == "layer"]
    inspected = json.loads(docker("image", "inspect", "python:3.11-slim"))[0]
    assert len(bars) == len(inspected["RootFS"]["Layers"])
    assert sum(int(b.get("data-bytes", "0")) for b in bars) > 10_000_000
    report = measure_image("python:3.11-slim")
    assert report.steps == ()
    assert report.size == inspected["Size"]


def test_an_image_that_is_not_there_fails_with_exit_1(docker: Docker) -> None:
    result = cli("size", "wt-lint-no-such-image:1", "--json")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["ok"] is False


def test_the_flask_and_nginx_examples_from_the_command_line_and_python(docker: Docker) -> None:
    from pipelines.flask_app import flask_app
    from pipelines.nginx_site import nginx_site

    for target, make in (
        ("pipelines/flask_app.py", flask_app),
        ("pipelines/nginx_site.py", nginx_site),
    ):
        result = cli("size", target, "--json")
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        assert document["note"] is None  # every step lined up with the image's history
        assert [s["final"] for s in document["stages"]] == [True]
        report = measure(make())
        assert report.image_id == document["image_id"]  # the same build, cached
        filesystem = [s for s in report.steps if s.step.startswith(("RUN", "COPY", "WORKDIR"))]
        assert filesystem
        assert all(s.layer is not None for s in filesystem if s.bytes)
        assert sum(s.bytes for s in report.steps) == sum(
            row.bytes for row in report.layers if row.step is not None
        )
    # pip's cache is a cache mount in the Flask example: none of it ships.
    flask = measure(flask_app())
    assert not [s for s in flask.suggestions if s.rule == "FW111"]
    install = next(s for s in flask.steps if s.step.startswith("RUN pip install"))
    assert install.layer is not None
    assert not any("/.cache/pip/" in p for p, _ in flask.layers[install.layer].largest)
