"""Reproducibility: the same pipeline built twice from an empty build cache.

The framework stages its inputs with stable times (directories keep their source's
times, inline files get SOURCE_DATE_EPOCH). BuildKit in Docker 20.10 does not rewrite
times to SOURCE_DATE_EPOCH (BuildKit 0.11+ documents that it does): a layer records the
build time, to the second, on directories it adds to, and the image config records when
it was made. This test records exactly which layers match and which differ.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from framework import Context, Image, Inline, SilentProgress, build
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker
from tests.e2e.daemons import PrivateDaemon


def test_rebuild_from_empty_cache_layer_by_layer(
    docker: Docker, tmp_path: Path, reliability: ReliabilityReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("a\n")
    os.utime(tmp_path / "src" / "a.txt", (1_600_000_000, 1_600_000_000))
    image = (
        Image.from_("debian:bookworm-slim")
        .copy(Context(tmp_path / "src"), "/copied")
        .copy(Inline("inline\n"), "/inline.txt")
        .run("echo made-by-run > /run.txt")
    )
    # A private daemon: emptying its build cache cannot slow or break other tests.
    daemon = PrivateDaemon(docker.path, tmp_path / "daemon")
    (tmp_path / "daemon").mkdir()
    daemon.start()
    try:
        daemon.load_from_shared("debian:bookworm-slim")
        monkeypatch.setenv("DOCKER_HOST", daemon.host)
        inspected = []
        for tag in ("repro:a", "repro:b"):
            daemon.docker("builder", "prune", "-af")
            build(image, tag=tag, progress=SilentProgress())
            # The times the framework controls: a copied file keeps its source's, inline
            # content gets SOURCE_DATE_EPOCH.
            times = daemon.docker("run", "--rm", tag, "stat", "-c", "%Y", "/copied/a.txt",
                                  "/inline.txt").stdout.split()  # fmt: skip
            assert times == ["1600000000", "1700000000"]
            inspected.append(json.loads(daemon.docker("image", "inspect", tag).stdout)[0])
        base = json.loads(daemon.docker("image", "inspect", "debian:bookworm-slim").stdout)[0]
    finally:
        daemon.close()
    skip = len(base["RootFS"]["Layers"])
    layers = [info["RootFS"]["Layers"][skip:] for info in inspected]
    assert [len(side) for side in layers] == [3, 3]  # one layer per filesystem step
    names = ["COPY context", "COPY inline", "RUN"]
    same = [n for n, a, b in zip(names, *layers, strict=True) if a == b]
    differ = [n for n, a, b in zip(names, *layers, strict=True) if a != b]
    ids = {info["Id"] for info in inspected}
    reliability.record(
        "reproducibility", "same pipeline, empty cache, built twice (SOURCE_DATE_EPOCH set)",
        f"image ids {'equal' if len(ids) == 1 else 'differ'}; "
        f"identical layers: {', '.join(same) or 'none'}; differing: {', '.join(differ) or 'none'} "
        "(inputs are staged with stable times; what differs is BuildKit's: a layer records "
        "the build time, to the second, on directories it adds to, and the config records "
        "when it was made. Docker 20.10's BuildKit does not rewrite times to "
        "SOURCE_DATE_EPOCH; BuildKit 0.11+ documents that it does)",
    )  # fmt: skip
