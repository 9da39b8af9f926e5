"""The command line, through a real subprocess, against the real engine and registry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from framework import Context, compile
from pipelines.flask_app import flask_app
from tests.e2e.conftest import ROOT, Docker, cli, http_get, registry_digest


def test_plan_lists_stages_and_matches_compile() -> None:
    result = cli("plan", "pipelines/go_app.py")
    assert result.returncode == 0, result.stderr
    assert "stage go-build" in result.stdout
    assert "COPY go-build:/out/hello -> /hello" in result.stdout
    as_json = json.loads(cli("plan", "pipelines/flask_app.py", "--json").stdout)
    assert as_json["digest"] == compile(flask_app()).digest
    assert as_json["stages"][0]["steps"][-2:] == ["EXPOSE 5000/tcp", 'CMD ["python", "app.py"]']


def test_render_ejects_a_dockerfile_that_builds(docker: Docker, tmp_path: Path) -> None:
    printed = cli("render", "pipelines/flask_app.py")
    assert printed.returncode == 0
    assert printed.stdout.startswith("FROM python:3.11-slim AS stage-0\n")
    out = tmp_path / "ejected"
    assert cli("render", "pipelines/flask_app.py", "-o", str(out)).returncode == 0
    tag = docker.tag("ejected")
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    subprocess.run([docker.path, "build", "-q", "-t", tag, str(out)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    with docker.serve(tag, 5000) as url:
        assert http_get(url + "/")[0] == 200


def test_graph_formats(tmp_path: Path) -> None:
    mermaid = cli("graph", "pipelines/go_app.py").stdout
    assert mermaid.splitlines()[0] == "flowchart LR"
    assert "s0 -->|copy| s1" in mermaid
    dot = cli("graph", "pipelines/go_app.py", "--format", "dot").stdout
    assert dot.startswith("digraph plan {")
    assert '"go-build" -> "stage-1" [label=copy];' in dot
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed (scripts/engine-up.sh installs it)")
    png = tmp_path / "graph.png"
    assert cli("graph", "pipelines/go_app.py", "--format", "png", "-o", str(png)).returncode == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "graph.svg"
    assert cli("graph", "pipelines/go_app.py", "--format", "svg", "-o", str(svg)).returncode == 0
    assert "go&#45;build" in svg.read_text()  # the stage name, hyphen escaped by Graphviz


def test_build_file_and_module_targets_with_json_summary(docker: Docker) -> None:
    tag = docker.tag("cli-flask")
    result = cli("build", "pipelines/flask_app.py", "-t", tag, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["image_id"] == docker.inspect(tag)["Id"]
    assert summary["tags"] == [tag]
    assert summary["engine"] == "docker"
    assert {s["status"] for s in summary["steps"]} <= {"cached", "executed", "config"}
    assert summary["executed"] + summary["cached"] == 4
    assert "==> building" in result.stderr  # progress on stderr, JSON alone on stdout
    again = json.loads(cli("build", "pipelines.flask_app:flask_app", "-t", tag, "--json").stdout)
    assert again["image_id"] == summary["image_id"]
    assert again["executed"] == 0


def test_parameters_from_options_and_environment(docker: Docker, tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(ROOT / "examples" / "flask_app", app)
    (app / "app.py").write_text((app / "app.py").read_text().replace("Hello", "Bonjour"))
    tag = docker.tag("cli-param")
    assert cli("build", "pipelines/flask_app.py", "--app", str(app), "-t", tag).returncode == 0
    assert "Bonjour" in docker.run(tag, "cat", "/app/app.py")
    via_env = cli("plan", "pipelines/flask_app.py", "--json", env={"FRAMEWORK_PARAM_APP": str(app)})
    assert json.loads(via_env.stdout)["digest"] == compile(flask_app(Context(app))).digest
    pipeline = tmp_path / "typed.py"
    pipeline.write_text(
        "from framework import Image\n"
        "def typed(port: int = 80, name: str = 'x') -> Image:\n"
        "    return Image.from_('debian:bookworm-slim').expose(port).label(name=name)\n"
    )
    bad = cli("plan", str(pipeline), "--port", "eighty")
    assert bad.returncode == 2  # a usage error, like every bad command-line value
    assert "parameter 'port'" in bad.stderr
    assert "--port" in bad.stderr
    unknown = cli("plan", str(pipeline), "--colour", "red")
    assert unknown.returncode == 2  # a usage error
    assert "--port, --name" in unknown.stderr
    helped = cli("build", str(pipeline), "--help")
    assert helped.returncode == 0
    assert "--port INT" in helped.stdout
    assert "default 80" in helped.stdout
    assert "FRAMEWORK_PARAM_NAME" in helped.stdout
    assert "EXPOSE 8080/tcp" in cli("plan", str(pipeline), "--port", "8080").stdout


def test_exit_codes_and_github_annotations(docker: Docker, tmp_path: Path) -> None:
    failing = tmp_path / "failing.py"
    failing.write_text(
        "from framework import Image\n"
        "def failing() -> Image:\n"
        "    return Image.from_('debian:bookworm-slim').run('echo bad-news >&2; exit 7')\n"
    )
    result = cli("build", str(failing), env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    assert "bad-news" in result.stderr
    assert "::group::" in result.stderr
    assert f"::error file={failing},line=3::" in result.stderr
    raising = tmp_path / "raising.py"
    raising.write_text("import nonexistent_module_xyz\n")
    broken = cli("build", str(raising))
    assert broken.returncode == 3
    assert "ModuleNotFoundError" in broken.stderr
    assert f"{raising}:1" in broken.stderr
    raising_function = tmp_path / "raising_function.py"
    raising_function.write_text(
        "from framework import Image\n"
        "def raising_function() -> Image:\n"
        "    raise RuntimeError('no image today')\n"
    )
    raised = cli("plan", str(raising_function))
    assert raised.returncode == 3
    assert "raised RuntimeError: no image today" in raised.stderr
    assert f"{raising_function}:3" in raised.stderr
    no_engine = cli(
        "build", "pipelines/flask_app.py", env={"DOCKER_HOST": "unix:///nonexistent.sock"}
    )
    assert no_engine.returncode == 4
    assert "no Docker daemon answers" in no_engine.stderr
    usage = cli("build")
    assert usage.returncode == 2


def test_push_then_pull_back_from_the_registry(docker: Docker, registry: str) -> None:
    name = f"fw-test/flask-{uuid.uuid4().hex[:8]}"
    reference = f"{registry}/{name}:1"
    docker.tags.append(reference)
    result = cli("build", "pipelines/flask_app.py", "-t", reference, "--push", "--json")
    assert result.returncode == 0, result.stderr
    (pushed,) = json.loads(result.stdout)["pushed"]
    assert pushed.startswith(reference + "@sha256:")
    assert pushed.endswith(registry_digest(registry, name, "1"))
    assert cli("images", "rm", reference).returncode == 0
    assert not docker.exists(reference)
    pulled = cli("images", "pull", reference)
    assert pulled.returncode == 0, pulled.stderr
    assert docker.exists(reference)
    with docker.serve(reference, 5000) as url:
        assert http_get(url + "/")[0] == 200


def test_images_operations_against_the_store(docker: Docker, registry: str) -> None:
    source = docker.tag("images-src")
    assert cli("images", "tag", "debian:bookworm-slim", source).returncode == 0
    listed = json.loads(cli("images", "ls", "--json").stdout)
    repository, tag = source.rsplit(":", 1)
    assert any(r["repository"] == repository and r["tag"] == tag for r in listed)
    assert docker.inspect(source)["Id"] == docker.inspect("debian:bookworm-slim")["Id"]
    assert cli("images", "rm", source).returncode == 0
    assert not docker.exists(source)
    # pull through a mirror: the mirror's copy arrives under the name asked for
    mirrored = f"{registry}/library/fw-mirror-test:{uuid.uuid4().hex[:6]}"
    local = mirrored.split("/library/", 1)[1]
    docker.tags.extend([mirrored, local])
    docker("tag", "debian:bookworm-slim", mirrored)
    docker("push", mirrored)
    docker("rmi", mirrored)
    result = cli("images", "pull", local, "--mirror", registry)
    assert result.returncode == 0, result.stderr
    assert docker.inspect(local)["Id"] == docker.inspect("debian:bookworm-slim")["Id"]
