"""A base image that is neither in the local store nor pullable: say so, where it was
declared, and which local images have a close name (a typo like ``pyhton``); or one the
store holds only for another platform than the one built for."""

from __future__ import annotations

import re

import anyio

from framework.engines.docker.output import OutputParser
from framework.errors import BuildError
from framework.plan import BuildPlan, Stage
from framework.spec.platforms import BUILD_PLATFORM
from framework.spec.references import normalise

__all__ = ["missing_base_error"]

# BuildKit resolves each FROM image in a vertex of this name; its error fails the build.
_METADATA = re.compile(r"^\[internal\] load metadata for (?P<ref>\S+)$")
_UNREACHABLE = re.compile(
    r"dial tcp|no such host|connection refused|i/o timeout|network is unreachable"
    r"|TLS handshake timeout|server misbehaving|temporary failure in name resolution",
    re.IGNORECASE,
)


async def missing_base_error(
    client: str,
    env: dict[str, str],
    plan: BuildPlan,
    parser: OutputParser,
    *,
    pulled: bool,
    platforms: tuple[str, ...] = (),
) -> BuildError | None:
    """The error for a build that failed resolving a base image missing from the
    daemon's store, or there only for another platform than the one built for, or, when
    ``pulled`` (``--pull``), one it could not refresh from its registry; ``None`` when
    the failure was something else. ``env`` points the ``client`` at the daemon that
    built; ``platforms`` are the build's target platforms."""
    failed = parser.failed()
    named = None if failed is None else _METADATA.match(failed.name)
    if failed is None or named is None:
        return None
    stage = _stage_of(plan, named["ref"])
    if stage is None or stage.base is None:
        return None
    shown = await _docker(
        client, env, "image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", stage.base
    )
    local_copy = shown is not None
    detail = failed.error or "the pull failed"
    if _UNREACHABLE.search(detail):
        why = "the registry could not be reached to pull it"
    else:
        why = f"pulling it failed ({detail})"
    wanted = stage.platform if stage.platform not in (None, BUILD_PLATFORM) else None
    wanted = wanted or (platforms[0] if len(platforms) == 1 else None)
    local_platform = (shown or "").strip()
    if local_copy and not pulled and wanted and not wanted.startswith(local_platform):
        return BuildError(
            f"base image {stage.base!r} is in the local image store for {local_platform} "
            f"only; for {wanted} BuildKit asks its registry, and {why}\n  fix: use a base "
            "image that a registry you can reach holds for every platform you build (push "
            f"one for {wanted} to such a registry), or build for {local_platform}",
            stage=stage.name,
            step=f"FROM {stage.base}",
            where=None if stage.origin is None else str(stage.origin),
            output_tail=(f"[internal] load metadata for {named['ref']}: {detail}",),
        )
    if local_copy and not pulled:
        return None  # it is there: the failure is something else
    if local_copy:
        return BuildError(
            f"base image {stage.base!r} could not be refreshed: pull asks its registry for "
            f"it again and {why}\n  fix: build without --pull (pull=False) to use the copy "
            "in the local image store, or make the registry reachable",
            stage=stage.name,
            step=f"FROM {stage.base}",
            where=None if stage.origin is None else str(stage.origin),
            output_tail=(f"[internal] load metadata for {named['ref']}: {detail}",),
        )
    listing = await _docker(client, env, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}")
    local = [n for n in (listing or "").split() if "<none>" not in n]
    import difflib  # only for this failure: not loaded with every build

    close = difflib.get_close_matches(stage.base, local, n=3, cutoff=0.6)
    fix = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    fix += (
        f"make {stage.base!r} available locally (docker pull from a registry that can be "
        "reached, or docker load -i ARCHIVE), or fix the name"
    )
    return BuildError(
        f"base image {stage.base!r} is not in the local image store and {why}\n  fix: {fix}",
        stage=stage.name,
        step=f"FROM {stage.base}",
        where=None if stage.origin is None else str(stage.origin),
        output_tail=(f"[internal] load metadata for {named['ref']}: {detail}",),
    )


def _stage_of(plan: BuildPlan, reference: str) -> Stage | None:
    return next((s for s in plan.stages if s.base and normalise(s.base) == reference), None)


async def _docker(client: str, env: dict[str, str], *args: str) -> str | None:
    """A docker command's output, or ``None`` when it fails."""
    result = await anyio.run_process([client, *args], check=False, env=env)
    return result.stdout.decode(errors="replace") if result.returncode == 0 else None
