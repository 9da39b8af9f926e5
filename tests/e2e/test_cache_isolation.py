"""Cache mounts belong to their pipeline unless an id shares them explicitly."""

from __future__ import annotations

import uuid

from framework import CacheMount, Image, SilentProgress, build
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker


def _step(cache: str | CacheMount, value: str) -> Image:
    """Append ``value`` to the cache's log and keep what the cache held in ``/seen``."""
    target = cache if isinstance(cache, str) else cache.target
    return Image.from_("debian:bookworm-slim").run(
        f"echo {value} >> {target}/log; cat {target}/log > /seen", cache=cache
    )


def pipeline_one(cache: str | CacheMount, value: str) -> Image:
    return _step(cache, value)


def pipeline_two(cache: str | CacheMount, value: str) -> Image:
    return _step(cache if isinstance(cache, CacheMount) else CacheMount(target=cache), value)


def test_pipelines_with_the_same_cache_path_do_not_share_unless_named(
    docker: Docker, reliability: ReliabilityReport
) -> None:
    key = uuid.uuid4().hex[:10]
    path = f"/wt-c-cache-{key}"
    tag = docker.tag("wt-c-cache-scope")

    def seen(image: Image) -> list[str]:
        build(image, tag=tag, progress=SilentProgress())
        return docker.run(tag, "cat", "/seen").split()

    # CacheMount(...) inside _step is declared in _step for one, in pipeline_two for two.
    assert seen(pipeline_one(path, f"one-{key}")) == [f"one-{key}"]
    assert seen(pipeline_two(path, f"two-{key}")) == [f"two-{key}"]  # not one's value
    # A rebuild of the same pipeline still finds its own cache.
    assert seen(pipeline_one(path, f"one-again-{key}")) == [f"one-{key}", f"one-again-{key}"]

    shared = CacheMount(target=path, id=f"wt-c-shared-{key}")
    assert seen(pipeline_one(shared, f"first-{key}")) == [f"first-{key}"]
    assert seen(pipeline_two(shared, f"second-{key}")) == [f"first-{key}", f"second-{key}"]
    reliability.record(
        "cache", "two pipelines mounting the same cache path",
        "each saw only its own writes; a rebuild saw its earlier write; a named id was shared",
    )  # fmt: skip
