"""The staging directory: where it goes, and what a failure to make or fill it says."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from framework import BuildError
from framework.engines.docker.workspace import staging_directory, staging_errors


def test_staging_goes_under_the_framework_variable_and_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRAMEWORK_STAGING_DIR", str(tmp_path))
    with staging_directory() as work:
        assert work.parent == tmp_path
        assert work.name.startswith("framework-build-")
    assert not work.exists()


def test_directories_of_killed_builds_are_swept_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRAMEWORK_STAGING_DIR", str(tmp_path))
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f"framework-build-{dead.pid}-abc"
    (stale / "context").mkdir(parents=True)
    live = tmp_path / f"framework-build-{os.getpid()}-def"
    live.mkdir()
    with staging_directory() as work:
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, work.name])


def test_a_missing_staging_directory_is_named_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("FRAMEWORK_STAGING_DIR", str(missing))
    with pytest.raises(BuildError) as caught, staging_directory():
        pass
    assert f"cannot create a staging directory in {missing}: No such file" in str(caught.value)
    assert "FRAMEWORK_STAGING_DIR" in str(caught.value)


def test_other_staging_failures_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as caught, staging_errors(tmp_path / "work"):
        raise PermissionError(errno.EACCES, "Permission denied", "/src/secret.txt")
    assert "cannot stage /src/secret.txt for the build: Permission denied" in str(caught.value)


def test_no_room_names_the_directory_and_how_to_move_it(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as caught, staging_errors(tmp_path / "work"):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "work" / "f"))
    message = str(caught.value)
    assert f"no room to stage the build context in {tmp_path} (No space left on device)" in message
    assert "FRAMEWORK_STAGING_DIR=" in message
