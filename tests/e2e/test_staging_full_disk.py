"""A staging directory without room fails with a message that names it and how to move it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from framework import BuildError, Context, Image, SilentProgress, build
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, nearly full."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root): {result.stderr.strip()}")
    try:
        (mount / "filler").write_bytes(b"\0" * (900 * 1024))
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_full_staging_directory_names_it_and_the_variable_that_moves_it(
    docker: Docker,
    small_disk: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reliability: ReliabilityReport,
) -> None:
    source = tmp_path / "app"
    source.mkdir()
    (source / "big.bin").write_bytes(b"x" * (512 * 1024))  # more than the 124 KiB left
    monkeypatch.setenv("FRAMEWORK_STAGING_DIR", str(small_disk))
    image = Image.from_("debian:bookworm-slim").copy(Context(source) / "big.bin", "/big.bin")
    tag = docker.tag("wt-c-staging")
    with pytest.raises(BuildError) as caught:
        build(image, tag=tag, progress=SilentProgress())
    message = str(caught.value)
    assert f"no room to stage the build context in {small_disk}" in message
    assert "No space left on device" in message
    assert "FRAMEWORK_STAGING_DIR=" in message
    assert "TMPDIR" in message
    assert "Errno" not in message
    assert not docker.exists(tag)
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]  # nothing left behind
    reliability.record(
        "faults", "staging directory full (1 MiB tmpfs, 512 KiB file to stage)",
        "BuildError naming the directory and FRAMEWORK_STAGING_DIR/TMPDIR; no tag, nothing left",
    )  # fmt: skip
