"""``build()``: the one call a pipeline script needs."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from framework.errors import EngineUnavailable, SpecError
from framework.plan import BuildPlan, compile
from framework.progress import Progress, default_progress
from framework.spec import Image, Secret

if TYPE_CHECKING:
    from framework.engines import BuildRequest, BuildResult, Engine

__all__ = ["build", "build_async", "read_secrets"]


def build(
    image: Image,
    *,
    tag: str | Sequence[str] = (),
    engine: str | Engine = "docker",
    progress: Progress | None = None,
    push: bool = False,
    archive: str | Path | None = None,
    platform: str | None = None,
    cache_from: Sequence[str] = (),
    cache_to: Sequence[str] = (),
    attest: Sequence[str] = (),
) -> BuildResult:
    """Compile ``image``, build it on ``engine`` and tag it with ``tag``.

    ``engine`` is ``"docker"`` (BuildKit in the local Docker daemon), ``"dagger"``, or
    ``"auto"`` (Dagger where reachable without a download, else docker); the display
    says which was chosen and why. ``push`` pushes the tags; ``archive`` writes the image
    to a tar file; ``platform``, ``cache_from`` and ``cache_to`` are passed to BuildKit
    (see :class:`framework.engines.BuildRequest`). ``attest`` asks for attestations
    (``"provenance"``, ``"sbom"``); without it none are made, so a rebuild of an
    unchanged pipeline gives the same image id; an engine that cannot make them refuses
    with :class:`framework.errors.EngineUnavailable`.

    Invalid descriptions and missing secret sources raise
    :class:`framework.errors.SpecError` before any engine starts; a missing engine
    raises :class:`framework.errors.EngineUnavailable`; a failing step raises
    :class:`framework.errors.BuildError` and tags nothing. Progress goes to
    ``progress`` (default: a live display on a terminal, plain lines otherwise).
    """
    call = functools.partial(
        build_async,
        image,
        tag=tag,
        engine=engine,
        progress=progress,
        push=push,
        archive=archive,
        platform=platform,
        cache_from=cache_from,
        cache_to=cache_to,
        attest=attest,
    )
    import anyio  # loaded with the first build, like the engines

    return anyio.run(call)


async def build_async(
    image: Image,
    *,
    tag: str | Sequence[str] = (),
    engine: str | Engine = "docker",
    progress: Progress | None = None,
    push: bool = False,
    archive: str | Path | None = None,
    platform: str | None = None,
    cache_from: Sequence[str] = (),
    cache_to: Sequence[str] = (),
    attest: Sequence[str] = (),
) -> BuildResult:
    """:func:`build` for code that already runs an event loop (asyncio or trio)."""
    if not isinstance(image, Image):
        raise SpecError(
            f"build() got {type(image).__name__}, not an Image",
            fix="pass the Image your pipeline function returns",
        )
    plan = compile(image)
    tags = (tag,) if isinstance(tag, str) else tuple(tag)
    if push and not tags:
        raise SpecError("push=True but no tag to push", fix="give tag='registry/name:tag'")
    attestations = _attestations(attest)
    secrets = read_secrets(plan)
    # Engines load on first build, so describing and rendering images imports less.
    from framework.engines import BuildRequest, DockerEngine, select_engine

    chosen, reason = select_engine(engine)
    shown = progress or default_progress()
    request = BuildRequest(
        plan=plan,
        tags=tags,
        progress=shown,
        secrets=secrets,
        push=push,
        archive=None if archive is None else Path(archive),
        platform=platform,
        cache_from=tuple(cache_from),
        cache_to=tuple(cache_to),
        attest=attestations,
    )
    try:
        return await _build_on(chosen, reason, request)
    except EngineUnavailable as exc:
        if engine != "auto" or chosen.name == "docker":
            raise
        # auto means the first engine that answers: Dagger did not, so try docker.
        fallback = f"auto: the Dagger engine was unavailable: {exc.problem}"
        return await _build_on(DockerEngine(), fallback, request)


async def _build_on(engine: Engine, reason: str, request: BuildRequest) -> BuildResult:
    """Check ``engine``, then build on it, telling the display when it starts and ends."""
    import anyio

    await anyio.to_thread.run_sync(engine.check)
    plan, shown = request.plan, request.progress
    target = f"{request.tags[0]} ({plan.target.name})" if request.tags else plan.target.name
    shown.begin(f"{engine.name} ({reason})", target)
    try:
        result = await engine.build(request)
    except BaseException:
        shown.end(None)
        raise
    shown.end(result)
    return result


def _attestations(attest: Sequence[str]) -> tuple[Literal["provenance", "sbom"], ...]:
    known: tuple[Literal["provenance", "sbom"], ...] = ("provenance", "sbom")
    if isinstance(attest, str):
        attest = (attest,)
    unknown = [name for name in attest if name not in known]
    if unknown:
        raise SpecError(
            f"unknown attestation {unknown[0]!r}",
            fix="attest= takes 'provenance' and/or 'sbom'",
        )
    return tuple(name for name in known if name in attest)


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
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpecError(
            f"secret {secret.id!r}: cannot read {path} ({exc.strerror})",
            fix="make the file readable by the user running the build",
        ) from None
