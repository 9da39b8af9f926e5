"""Each case of ``tests/both_ways`` is one image written twice, by hand: a ``Dockerfile``
and a ``pipeline.py`` whose pipeline function is named after the case.
``DOCKER_BUILDKIT=1 docker build`` of the one and ``framework build`` of the other give
the same image: the same file tree (path,
type, mode, owner, size, content, link target) and the same config fields.

The whole set builds on the system daemon; the private daemons of the CI matrix build
``SAMPLE``, to keep CI short.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import CLI, Docker, cli_env
from tests.e2e.image_compare import assert_same_image

pytestmark = pytest.mark.e2e

CASES_DIR = Path(__file__).resolve().parents[1] / "both_ways"
CASES = sorted(
    p.name
    for p in CASES_DIR.iterdir()
    if (p / "Dockerfile").is_file() and (p / "pipeline.py").is_file()
)
SAMPLE = ("python_service",)
BUILT = CASES if os.environ.get("FRAMEWORK_DAEMON", "system") == "system" else SAMPLE


def test_the_sample_is_in_the_set() -> None:
    assert set(SAMPLE) <= set(CASES)


@pytest.mark.parametrize("case", BUILT)
def test_the_pipeline_builds_what_its_dockerfile_builds(case: str, docker: Docker) -> None:
    suffix = uuid.uuid4().hex[:10]
    theirs, ours = f"fw-both-docker-{case}:{suffix}", f"fw-both-framework-{case}:{suffix}"
    docker.tags.extend([theirs, ours])
    built = subprocess.run(
        ["/usr/bin/docker", "build", "-q", "-t", theirs, str(CASES_DIR / case)],
        capture_output=True, text=True, env=cli_env(DOCKER_BUILDKIT="1"), timeout=600,
        check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    framework = subprocess.run(
        [*CLI, "build", f"{CASES_DIR / case / 'pipeline.py'}:{case}", "-t", ours,
         "--progress", "plain"],
        capture_output=True, text=True, env=cli_env(), timeout=600, check=False,
    )  # fmt: skip
    assert framework.returncode == 0, framework.stderr
    assert_same_image(docker, ours, theirs)
