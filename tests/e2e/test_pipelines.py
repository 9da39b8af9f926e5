"""The example pipelines build on the real engine and their images work."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from framework import SilentProgress, build
from framework.images import image_size
from pipelines.flask_app import flask_app
from pipelines.go_app import go_app, go_builder
from pipelines.nginx_site import nginx_site
from tests.e2e.conftest import Docker, http_get

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_flask_image_answers_http(docker: Docker) -> None:
    tag = docker.tag("flask")
    result = build(flask_app(), tag=tag, progress=SilentProgress())
    assert result.tags == (tag,)
    assert docker.inspect(tag)["Id"] == result.image_id
    config = docker.inspect(tag)["Config"]
    assert isinstance(config, dict)
    assert config["Cmd"] == ["python", "app.py"]
    assert config["WorkingDir"] == "/app"
    assert "5000/tcp" in config["ExposedPorts"]
    with docker.serve(tag, 5000) as url:
        status, body = http_get(url + "/")
    assert status == 200
    assert body == "Hello from the framework's Flask example!\n"


def test_go_binary_runs_and_final_image_is_ten_times_smaller(
    docker: Docker, tmp_path: Path
) -> None:
    build_tag, app_tag = docker.tag("go-build"), docker.tag("go")
    build(go_builder(), tag=build_tag, progress=SilentProgress())
    result = build(go_app(), tag=app_tag, progress=SilentProgress())
    output = docker.run(app_tag)
    assert output.startswith("Hello from Go go1.19"), output
    assert image_size(app_tag) * 10 <= image_size(build_tag)
    # The runtime image is one layer holding only the binary.
    layers = docker.inspect(app_tag)["RootFS"]
    assert isinstance(layers, dict)
    assert len(layers["Layers"]) == 1
    assert [s.stage for s in result.steps] == ["go-build"] * 3 + ["stage-1"] * 2
    archive = docker.tag("go-archive")
    exported = build(go_app(), tag=archive, archive=tmp_path / "go.tar", progress=SilentProgress())
    assert exported.archive == str(tmp_path / "go.tar")
    with tarfile.open(tmp_path / "go.tar") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest[0]["RepoTags"] == [archive]


def test_nginx_serves_the_copied_index(docker: Docker) -> None:
    tag = docker.tag("nginx")
    build(nginx_site(), tag=tag, progress=SilentProgress())
    with docker.serve(tag, 80) as url:
        status, body = http_get(url + "/")
    assert status == 200
    assert body == (EXAMPLES / "nginx_site" / "index.html").read_text()
