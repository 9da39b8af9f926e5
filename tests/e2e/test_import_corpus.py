"""Each Dockerfile of ``tests/import_corpus`` is imported, and the generated pipeline,
built with the framework, gives the image ``DOCKER_BUILDKIT=1 docker build`` gives from
the original: the same file tree (path, type, mode, owner, size, content, link target)
and the same config. The generated file passes ``ruff check``, ``ruff format --check``
and ``mypy --strict``.

What a build cannot reproduce is listed in ``image_compare.NOT_COMPARED`` (with why);
nothing else is skipped. Modification times are not compared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from framework.importer import convert_dockerfile
from tests.e2e.conftest import CLI, ROOT, Docker, cli_env
from tests.e2e.image_compare import assert_same_image

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).resolve().parents[1] / "import_corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "Dockerfile").is_file())
# The whole corpus builds on the system daemon; the private daemons of the CI matrix
# build a sample with every mount kind, stage shape and config field, to keep CI short.
SAMPLE = (
    "arg_before_from", "cache_mount", "dockerignore", "env_path", "go_multistage",
    "healthcheck_options", "secret_mount", "stage_chain", "user_switch",
)  # fmt: skip
BUILT = CASES if os.environ.get("FRAMEWORK_DAEMON", "system") == "system" else SAMPLE
SECRETS = {"token": "corpus-token-value", "netrc": "machine example login me password pw"}


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 20


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every corpus Dockerfile imported into one directory (one module per case)."""
    out = tmp_path_factory.mktemp("imported")
    for case in CASES:
        result = convert_dockerfile(CORPUS / case / "Dockerfile", output=out / f"{case}.py")
        assert result.ok, [str(p) for p in result.problems]
        (out / f"{case}.py").write_text(result.source)
    return out


def test_generated_pipelines_are_lint_clean_formatted_and_typed(generated: Path) -> None:
    ruff = [sys.executable, "-m", "ruff"]
    for args in (["check", "."], ["format", "--check", "."]):
        done = subprocess.run(
            [*ruff, *args], cwd=generated, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--follow-imports=silent", "."],
        check=False, cwd=generated, capture_output=True, text=True, env=cli_env(MYPYPATH=str(ROOT)),
    )  # fmt: skip
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


@pytest.fixture
def secret_files(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for name, value in SECRETS.items():
        files[name] = tmp_path / name
        files[name].write_text(value)
    return files


def test_the_sample_is_in_the_corpus() -> None:
    assert set(SAMPLE) <= set(CASES)


@pytest.mark.parametrize("case", BUILT)
def test_the_imported_pipeline_builds_what_docker_build_builds(
    case: str, generated: Path, docker: Docker, secret_files: dict[str, Path]
) -> None:
    suffix = uuid.uuid4().hex[:10]
    theirs, ours = f"wt-import-docker-{case}:{suffix}", f"wt-import-framework-{case}:{suffix}"
    docker.tags.extend([theirs, ours])
    secret_args = [a for n, p in secret_files.items() for a in ("--secret", f"id={n},src={p}")]
    built = subprocess.run(
        ["/usr/bin/docker", "build", "-q", *secret_args, "-t", theirs, str(CORPUS / case)],
        capture_output=True, text=True, env=cli_env(DOCKER_BUILDKIT="1"), timeout=600,
        check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    secret_env = {name.upper(): value for name, value in SECRETS.items()}
    framework = subprocess.run(
        [*CLI, "build", str(generated / f"{case}.py"), "-t", ours, "--progress", "plain"],
        capture_output=True, text=True, env=cli_env(**secret_env), timeout=600, check=False,
    )  # fmt: skip
    assert framework.returncode == 0, framework.stderr

    assert_same_image(docker, ours, theirs)
    _the_other_commands_work_on(generated / f"{case}.py", ours, docker)


def _the_other_commands_work_on(pipeline: Path, tag: str, docker: Docker) -> None:
    """explain, lint and size on the imported pipeline and its image, from the CLI."""

    def cli(*words: str) -> dict[str, object]:
        done = subprocess.run(
            [*CLI, *words, "--json"], capture_output=True, text=True, env=cli_env(),
            timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode in (0, 1), done.stderr
        document = json.loads(done.stdout)
        assert isinstance(document, dict)
        return document

    explained = cli("explain", str(pipeline), "-t", tag)
    steps = explained["steps"]
    assert isinstance(steps, list)
    assert steps
    assert {step["prediction"] for step in steps} == {"cached"}, steps  # just built
    linted = cli("lint", str(pipeline), "--level", "warn")
    assert linted["exit_code"] == 0
    assert isinstance(linted["findings"], list)
    sized = cli("size", tag)
    assert sized["size"] == json.loads(docker("image", "inspect", tag))[0]["Size"]


def test_the_generated_file_builds_when_run_as_a_script(generated: Path) -> None:
    """``python FILE`` builds the generated file as it is (its ``__main__`` block)."""
    done = subprocess.run(
        [sys.executable, str(generated / "workdir_relative.py")],
        capture_output=True, text=True, env=cli_env(), timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "built sha256:" in done.stdout + done.stderr
