"""Reproducibility: the same pipeline built twice from an empty build cache, per daemon.

The framework stages its inputs with stable times (directories keep their source's
times, inline files get SOURCE_DATE_EPOCH) and passes SOURCE_DATE_EPOCH to BuildKit
where it uses it (0.11+: the config's and history's times). What no BuildKit here
rewrites is the time a RUN step leaves on the directories it writes to (BuildKit 0.13's
``rewrite-timestamp`` exporter option is not available with the docker driver's image
store), so a RUN layer records its build time, to the second. The record states, for
the daemon under test, which layers, which config time and which ids match.
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
    created = [info["Created"] for info in inspected]
    caps = docker.engine.capabilities
    if caps.source_date_epoch:  # BuildKit 0.11+: the config time is SOURCE_DATE_EPOCH
        assert created == ["2023-11-14T22:13:20Z"] * 2
    ids = {info["Id"] for info in inspected}
    if not differ and created[0] == created[1]:
        assert len(ids) == 1
    named = os.environ.get("FRAMEWORK_DAEMON")
    described = f"{named}, {caps.describe()}" if named else caps.describe()
    reliability.record(
        "reproducibility",
        f"{described}: same pipeline, empty cache, built twice (SOURCE_DATE_EPOCH set)",
        f"image ids {'equal' if len(ids) == 1 else 'differ'}; "
        f"identical layers: {', '.join(same) or 'none'}; differing: {', '.join(differ) or 'none'}; "
        f"config created {'equal' if created[0] == created[1] else 'differs'} ({created[0]}"
        f"{'' if created[0] == created[1] else ', ' + created[1]})",
    )  # fmt: skip
