"""Reproducibility: the same pipeline built twice from an empty build cache.

The framework stages its inputs with stable times (directories keep their source's
times, inline files get SOURCE_DATE_EPOCH). BuildKit in Docker 20.10 does not rewrite
times to SOURCE_DATE_EPOCH (BuildKit 0.11+ documents that it does): a layer records the
build time, to the second, on directories it adds to, and the image config records when
it was made. This test records exactly which layers match and which differ.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from framework import Context, Image, Inline, SilentProgress, build
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker


def test_rebuild_from_empty_cache_layer_by_layer(
    docker: Docker, tmp_path: Path, reliability: ReliabilityReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("a\n")
    os.utime(tmp_path / "src" / "a.txt", (1_700_000_000, 1_700_000_000))
    image = (
        Image.from_("debian:bookworm-slim")
        .copy(Context(tmp_path / "src"), "/copied")
        .copy(Inline("inline\n"), "/inline.txt")
        .run("echo made-by-run > /run.txt")
    )
    tags = [docker.tag("repro-a"), docker.tag("repro-b")]
    for tag in tags:
        docker("builder", "prune", "-af")
        build(image, tag=tag, progress=SilentProgress())
    base = len(docker.inspect("debian:bookworm-slim")["RootFS"]["Layers"])  # type: ignore[index]
    layers = [docker.inspect(t)["RootFS"]["Layers"][base:] for t in tags]  # type: ignore[index]
    ids = [docker.inspect(t)["Id"] for t in tags]
    names = ["COPY context", "COPY inline", "RUN"]
    same = [n for n, a, b in zip(names, *layers, strict=True) if a == b]
    differ = [n for n, a, b in zip(names, *layers, strict=True) if a != b]
    assert [len(side) for side in layers] == [3, 3]  # one layer per filesystem step
    assert len(same) + len(differ) == 3
    # Which layers differ depends on timing (tar times have one-second resolution), so
    # the figure is recorded rather than asserted.
    reliability.record(
        "reproducibility", "same pipeline, empty cache, built twice (SOURCE_DATE_EPOCH set)",
        f"image ids {'equal' if len(set(ids)) == 1 else 'differ'}; "
        f"identical layers: {', '.join(same) or 'none'}; differing: {', '.join(differ) or 'none'} "
        "(inputs are staged with stable times; what differs is BuildKit's: a layer records "
        "the build time, to the second, on directories it adds to, and the config records "
        "when it was made. Docker 20.10's BuildKit does not rewrite times to "
        "SOURCE_DATE_EPOCH; BuildKit 0.11+ documents that it does)",
    )  # fmt: skip
