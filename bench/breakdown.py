"""Where a framework build process spends its time, phase by phase, measured.

``python -m bench.breakdown TAG_PREFIX PIPELINE.py [...]`` does what a build command does,
one phase at a time through the public API, and prints one JSON object of seconds:
``import framework``, ``load pipeline`` (import the file, call the function), ``compile``,
``hash contexts`` (the plan's digest), ``render``, ``daemon probe`` (find the client, ask
the daemon what it supports), ``build call`` (``build_async`` for every pipeline, at most
4 at once, as ``build A B ...`` does), and within it ``docker build processes (summed
over targets)`` (each docker client the engine runs, spawn to exit; concurrent ones
overlap, so the sum can exceed the call). Interpreter start and exit are measured
apart (``python -c pass``). ``build call`` compiles and hashes again (cheaply: file
digests are stored), so the phases overlap slightly.

``python -m bench.breakdown --chain`` instead times describing, compiling and rendering
the 2,000-step chain.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def _pipelines(prefix: str, files: list[str]) -> dict[str, float]:
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = phases.get(name, 0.0) + now - mark
        mark = now

    import framework

    lap("import framework")
    from framework.cli.targets import load_target

    images = [load_target(path).image({}) for path in files]
    lap("load pipeline")
    plans = [framework.compile(image) for image in images]
    lap("compile")
    for plan in plans:
        _ = plan.digest
    lap("hash contexts")
    for plan in plans:
        framework.render(plan)
    lap("render")
    import anyio

    from framework.engines.docker import DockerEngine
    from framework.engines.docker import engine as docker_engine

    engine = DockerEngine()
    engine.check()
    lap("daemon probe")
    spent = _time_docker_processes(docker_engine)

    async def build_all() -> None:
        limiter = anyio.CapacityLimiter(4)

        async def one(index: int, image: Any) -> None:
            async with limiter:
                await framework.build_async(
                    image, tag=f"{prefix}-{index}", engine=engine,
                    progress=framework.SilentProgress(),
                )  # fmt: skip

        async with anyio.create_task_group() as group:
            for index, image in enumerate(images):
                group.start_soon(one, index, image)

    anyio.run(build_all)
    lap("build call")
    # 0 when every target was answered from the build record (no docker client ran).
    phases["docker build processes (summed over targets)"] = sum(spent)
    return phases


def _time_docker_processes(module: Any) -> list[float]:
    """Time each docker client process the engine runs (its private ``_run``: skipped
    when it no longer exists)."""
    spent: list[float] = []
    original = getattr(module.DockerEngine, "_run", None)
    if original is None:
        return spent

    async def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    module.DockerEngine._run = timed
    return spent


def _chain() -> dict[str, float]:
    started = time.perf_counter()
    import framework
    from bench.pipelines.chain import chain

    imported = time.perf_counter()
    image = chain()
    described = time.perf_counter()
    plan = framework.compile(image)
    compiled = time.perf_counter()
    framework.render(plan)
    rendered = time.perf_counter()
    return {
        "import framework": imported - started,
        "describe": described - imported,
        "compile": compiled - described,
        "render": rendered - compiled,
    }


def main() -> None:
    if sys.argv[1:] == ["--chain"]:
        print(json.dumps(_chain()))
        return
    prefix, *files = sys.argv[1:]
    print(json.dumps(_pipelines(prefix, files)))


if __name__ == "__main__":
    main()
