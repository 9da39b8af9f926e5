"""``build()``: the one call a pipeline script needs."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import anyio

from framework.engines import BuildRequest, BuildResult, Engine, select_engine
from framework.errors import SpecError
from framework.plan import BuildPlan, compile
from framework.progress import Progress, default_progress
from framework.spec import Image, Secret

__all__ = ["build", "build_async", "read_secrets"]


def build(
    image: Image,
    *,
    tag: str | Sequence[str] = (),
    engine: str | Engine = "docker",
    progress: Progress | None = None,
) -> BuildResult:
    """Compile ``image``, build it on ``engine`` and tag it with ``tag``.

    ``engine`` is ``"docker"`` (BuildKit in the local Docker daemon), ``"dagger"``, or
    ``"auto"`` (Dagger where reachable without a download, else docker); the display
    says which was chosen and why.

    Invalid descriptions and missing secret sources raise
    :class:`framework.errors.SpecError` before any engine starts; a missing engine
    raises :class:`framework.errors.EngineUnavailable`; a failing step raises
    :class:`framework.errors.BuildError` and tags nothing. Progress goes to
    ``progress`` (default: a live display on a terminal, plain lines otherwise).
    """
    return anyio.run(_build, image, tag, engine, progress)


async def build_async(
    image: Image,
    *,
    tag: str | Sequence[str] = (),
    engine: str | Engine = "docker",
    progress: Progress | None = None,
) -> BuildResult:
    """:func:`build` for code that already runs an event loop (asyncio or trio)."""
    return await _build(image, tag, engine, progress)


async def _build(
    image: Image, tag: str | Sequence[str], engine: str | Engine, progress: Progress | None
) -> BuildResult:
    if not isinstance(image, Image):
        raise SpecError(
            f"build() got {type(image).__name__}, not an Image",
            fix="pass the Image your pipeline function returns",
        )
    plan = compile(image)
    tags = (tag,) if isinstance(tag, str) else tuple(tag)
    secrets = read_secrets(plan)
    chosen, reason = select_engine(engine)
    await anyio.to_thread.run_sync(chosen.check)
    shown = progress or default_progress()
    request = BuildRequest(plan=plan, tags=tags, progress=shown, secrets=secrets)
    target = f"{tags[0]} ({plan.target.name})" if tags else plan.target.name
    shown.begin(f"{chosen.name} ({reason})", target)
    try:
        result = await chosen.build(request)
    except BaseException:
        shown.end(None)
        raise
    shown.end(result)
    return result


def read_secrets(plan: BuildPlan) -> dict[str, bytes]:
    """Read every secret the plan uses; a missing source is a :class:`SpecError`."""
    return {secret.id: _read(secret) for secret in plan.secrets()}


def _read(secret: Secret) -> bytes:
    if secret.source == "env":
        value = os.environ.get(secret.name)
        if value is None:
            raise SpecError(
                f"secret {secret.id!r} reads the environment variable {secret.name}, "
                "which is not set",
                fix=f"export {secret.name}=... before building",
            )
        return value.encode()
    path = Path(secret.name)
    if not path.is_file():
        raise SpecError(
            f"secret {secret.id!r} reads the file {path}, which does not exist",
            fix="create the file, or point Secret.file() at the right one",
        )
    return path.read_bytes()
