"""Load: concurrent builds against one engine."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from framework import BuildResult, Image, SilentProgress, build
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker

CONCURRENCY = 8


def test_eight_distinct_pipelines_at_once(docker: Docker, reliability: ReliabilityReport) -> None:
    nonce = uuid.uuid4().hex[:8]
    tags = [docker.tag(f"load{i}") for i in range(CONCURRENCY)]
    images = [
        Image.from_("debian:bookworm-slim").run(f"echo {i}-{nonce} > /id").env(INDEX=str(i))
        for i in range(CONCURRENCY)
    ]
    running = 0
    peak = 0
    lock = threading.Lock()

    def one(i: int) -> BuildResult:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            return build(images[i], tag=tags[i], progress=SilentProgress())
        finally:
            with lock:
                running -= 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        results = list(pool.map(one, range(CONCURRENCY)))
    elapsed = time.monotonic() - started
    assert len({r.image_id for r in results}) == CONCURRENCY
    for i, tag in enumerate(tags):
        assert docker.run(tag, "cat", "/id") == f"{i}-{nonce}\n"
        assert docker.inspect(tag)["Id"] == results[i].image_id
    reliability.record(
        "load", f"{CONCURRENCY} different pipelines built at once on one daemon",
        f"{CONCURRENCY}/{CONCURRENCY} succeeded with distinct, correct images; "
        f"{peak} build() calls running at once (one thread each); {elapsed:.1f}s in all",
    )  # fmt: skip


def test_same_pipeline_twice_at_once_gives_the_same_image(
    docker: Docker, reliability: ReliabilityReport
) -> None:
    image = Image.from_("debian:bookworm-slim").run(f"echo {uuid.uuid4().hex} > /id")
    tags = [docker.tag("twin-a"), docker.tag("twin-b")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.map(lambda t: build(image, tag=t, progress=SilentProgress()), tags)
    assert a.image_id == b.image_id
    assert docker.run(tags[0], "cat", "/id") == docker.run(tags[1], "cat", "/id")
    reliability.record(
        "load", "the same pipeline built twice at once",
        "both builds returned the same image id",
    )  # fmt: skip
