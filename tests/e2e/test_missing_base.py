"""A misspelt base image: not in the store, registry unreachable, declared here, did you mean."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker, cli

PIPELINE = """from framework import Image


def typo() -> Image:
    return (
        Image.from_("pyhton:3.11-slim")
        .run("echo never")
    )
"""


def test_misspelt_base_names_the_line_and_a_close_local_image(
    docker: Docker, tmp_path: Path, reliability: ReliabilityReport
) -> None:
    pipeline = tmp_path / "typo.py"
    pipeline.write_text(PIPELINE)
    assert not docker.exists("pyhton:3.11-slim")
    result = cli("build", str(pipeline), "-t", docker.tag("wt-c-typo"), "--progress", "plain")
    assert result.returncode == 1, result.stderr
    error = result.stderr
    assert (
        "base image 'pyhton:3.11-slim' is not in the local image store"
        " and the registry could not be reached" in error
    )
    assert "did you mean 'python:3.11-slim'?" in error
    assert f"declared at: {pipeline}:6" in error
    assert "step: FROM pyhton:3.11-slim" in error
    reliability.record(
        "errors", "misspelt base image (pyhton:3.11-slim), no registry reachable",
        "exit 1: not in the local store, registry unreachable, the declaring line, "
        "did you mean 'python:3.11-slim'",
    )  # fmt: skip
