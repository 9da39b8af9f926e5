"""``python -m framework build T1 T2 ...``: several images from one command, on the real
daemon; each image is run and read back."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import Docker, cli

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent / "many_pipelines"
NAMES = ("alpha", "beta", "gamma")


def _targets() -> list[str]:
    return [str(HERE / f"{name}.py") for name in NAMES]


def _prefix(docker: Docker) -> str:
    """A unique tag pattern; the three tags it gives are removed after the session."""
    prefix = f"fw-test-many-{uuid.uuid4().hex[:8]}"
    docker.tags.extend(f"{prefix}-{name}" for name in NAMES)
    return prefix


def test_three_pipelines_from_one_command_each_image_runs(docker: Docker) -> None:
    prefix = _prefix(docker)
    nonce = uuid.uuid4().hex
    done = cli(
        "build", *_targets(), "-t", f"{prefix}-{{name}}", "--json",
        env={"FRAMEWORK_PARAM_NONCE": nonce},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["ok"] is True
    assert summary["exit_code"] == 0
    assert [t["pipeline"] for t in summary["targets"]] == list(NAMES)
    for name, target in zip(NAMES, summary["targets"], strict=True):
        assert target["status"] == "built"
        assert target["tags"] == [f"{prefix}-{name}"]
        image = f"{prefix}-{name}"
        assert docker.run(image, "cat", "/which.txt") == f"{name}\n"
        assert docker.run(image, "cat", "/shared.txt") == f"shared {nonce}\n"
        assert docker.inspect(image)["Id"] == target["image_id"]
    # Progress lines say which target they belong to.
    for target in _targets():
        assert f"[{target}] ==> built" in done.stderr


def test_identical_base_stage_is_built_once(docker: Docker) -> None:
    """One build at a time: the fresh base step runs for the first target only; the
    other two find it in BuildKit's cache."""
    prefix = _prefix(docker)
    done = cli(
        "build", *_targets(), "-t", f"{prefix}-{{name}}", "--json", "--jobs", "1",
        env={"FRAMEWORK_PARAM_NONCE": uuid.uuid4().hex},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    statuses = [
        [s["status"] for s in _steps(target) if s["stage"] == "base"]
        for target in json.loads(done.stdout)["targets"]
    ]
    assert statuses == [["executed"], ["cached"], ["cached"]]


def _steps(target: dict[str, object]) -> list[dict[str, object]]:
    """The target's step reports from the ``--json`` summary."""
    steps = target.get("steps")
    assert isinstance(steps, list)
    return steps


def test_a_failing_target_exits_non_zero_and_the_others_are_tagged(
    docker: Docker, tmp_path: Path
) -> None:
    prefix = _prefix(docker)
    broken = tmp_path / "broken.py"
    broken.write_text(
        "from framework import Image\n\n\n"
        "def broken() -> Image:\n"
        '    return Image.from_("debian:bookworm-slim").run(["sh", "-c", "exit 7"])\n'
    )
    docker.tags.append(f"{prefix}-broken")
    targets = _targets()
    done = cli("build", targets[0], str(broken), *targets[1:], "-t", f"{prefix}-{{name}}", "--json")
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert summary["ok"] is False
    assert summary["exit_code"] == 1
    by_pipeline = {t["pipeline"]: t for t in summary["targets"]}
    assert by_pipeline["broken"]["status"] == "failed"
    assert by_pipeline["broken"]["kind"] == "build"
    assert not docker.exists(f"{prefix}-broken")
    for name in NAMES:
        assert by_pipeline[name]["status"] == "built"
        assert docker.run(f"{prefix}-{name}", "cat", "/which.txt") == f"{name}\n"
    assert f"[{broken}]" in done.stderr


def test_fail_fast_stops_at_a_target_that_cannot_load(tmp_path: Path) -> None:
    """A target that fails to load is that target's failure (exit 3, a spec error);
    with --fail-fast nothing is built."""
    missing = tmp_path / "missing.py"
    done = cli("build", str(missing), *_targets(), "--fail-fast", "--json")
    assert done.returncode == 3, done.stderr
    statuses = [t["status"] for t in json.loads(done.stdout)["targets"]]
    assert statuses == ["failed", "cancelled", "cancelled", "cancelled"]


def test_several_targets_refuse_a_tag_without_name() -> None:
    done = cli("build", *_targets(), "-t", "same-tag", "--json")
    assert done.returncode == 2
    assert "{name}" in json.loads(done.stdout)["message"]


def test_all_builds_every_registered_pipeline(docker: Docker, tmp_path: Path) -> None:
    """``--all``: the pipelines registered in the entry point group, here by a
    distribution on PYTHONPATH that registers two of the three."""
    dist = tmp_path / "fw_test_many-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fw-test-many\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[framework.pipelines]\n"
        "many-alpha = tests.e2e.many_pipelines.alpha:alpha\n"
        "many-gamma = tests.e2e.many_pipelines.gamma:gamma\n"
    )
    prefix = f"fw-test-many-{uuid.uuid4().hex[:8]}"
    docker.tags.extend(f"{prefix}-many-{name}" for name in ("alpha", "gamma"))
    done = cli("build", "--all", "-t", f"{prefix}-{{name}}", "--json",
               env={"PYTHONPATH": str(tmp_path)})  # fmt: skip
    assert done.returncode == 0, done.stderr
    targets = json.loads(done.stdout)["targets"]
    assert [t["target"] for t in targets] == ["many-alpha", "many-gamma"]
    assert docker.run(f"{prefix}-many-gamma", "cat", "/which.txt") == "gamma\n"
