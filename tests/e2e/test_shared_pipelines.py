"""Sharing pipelines across repos: a package registers ``python-service``; a second
project (the greeter service) uses it by import and by name, from a fresh venv."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Docker, http_get

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the framework and the shared pipeline package installed."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    pip = [
        str(where / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    for package in (ROOT, EXAMPLES / "python_service_pipelines"):
        result = subprocess.run([*pip, str(package)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr[-3000:]
    return where


def run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "python"), "-m", "framework", *args],
        capture_output=True, text=True, cwd=cwd, timeout=600, check=False,
    )  # fmt: skip


def test_shared_pipeline_by_import_and_by_name(docker: Docker, venv: Path, tmp_path: Path) -> None:
    project = tmp_path / "greeter_service"
    shutil.copytree(EXAMPLES / "greeter_service", project)

    listed = json.loads(run(venv, "list", "--json", cwd=project).stdout)
    (service,) = [p for p in listed if p["name"] == "python-service"]
    assert [p["name"] for p in service["parameters"]] == ["app", "python", "port", "module"]
    assert service["parameters"][0]["required"] is True

    by_import = docker.tag("greeter-import")
    result = run(venv, "build", "pipeline.py:greeter", "-t", by_import, "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["image_id"] == docker.inspect(by_import)["Id"]
    config = docker.inspect(by_import)["Config"]
    assert isinstance(config, dict)
    assert config["User"] == "1000:1000"
    assert config["Labels"]["org.opencontainers.image.title"] == "greeter"
    with docker.serve(by_import, 8080) as url:
        assert http_get(url + "/") == (200, "Hello from the greeter service!\n")

    by_name = docker.tag("greeter-name")
    args = ["--app", "app", "--module", "greeter", "--port", "9000", "-t", by_name]
    result = run(venv, "build", "python-service", *args, cwd=project)
    assert result.returncode == 0, result.stderr
    with docker.serve(by_name, 9000) as url:
        assert http_get(url + "/") == (200, "Hello from the greeter service!\n")

    missing = run(venv, "build", "python-service", cwd=project)
    assert missing.returncode == 2  # a missing parameter is a usage error
    assert "needs the parameter 'app'" in missing.stderr
