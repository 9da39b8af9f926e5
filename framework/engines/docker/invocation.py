"""The parts of a ``docker build`` that depend on the daemon, and reading its image id.

Pure functions of the detected :class:`Capabilities`, so tests compare values:

- buildx always names the daemon's own builder, and turns attestations off unless asked
  (buildx adds a provenance attestation by default in the containerd image store, which
  makes the image digest change on every build);
- ``SOURCE_DATE_EPOCH`` (from the environment) is passed where BuildKit uses it for the
  config's and history's times (0.11+);
- the image id is what ``docker image inspect`` shows: the config digest in the classic
  store (the iidfile, which every client and daemon version writes), the manifest (or
  index) digest in the containerd store (buildx's metadata file).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from framework.engines.base import BuildRequest
from framework.engines.docker.capabilities import Attestation, Capabilities
from framework.errors import BuildError, EngineUnavailable
from framework.plan import BuildPlan, RunOp
from framework.spec import Tmpfs

__all__ = ["build_flags", "image_id", "refuse_unsupported"]

METADATA = "metadata.json"
IIDFILE = "iid"


def _needs_docker_23(
    caps: Capabilities,
    supported: bool,
    steps: Iterable[RunOp],
    *,
    what: str,
    instruction: str,
    drop: str,
) -> None:
    """Refuse the first of ``steps`` (a use of ``what``, written ``instruction``) unless
    the daemon's frontend ``supported`` it (Docker 23 and newer)."""
    for step in steps:
        if not supported:
            where = f" (declared at {step.origin})" if step.origin is not None else ""
            raise EngineUnavailable(
                "docker",
                f"{what}{where} needs {instruction}, which the Dockerfile frontend of Docker"
                f" 23 and newer has; this is {caps.describe()}",
                fix=f"build on a Docker 23+ daemon, or {drop}",
            )


def refuse_unsupported(caps: Capabilities, request: BuildRequest) -> None:
    """Raise :class:`EngineUnavailable`, naming the daemon, for what it cannot build;
    before anything runs."""
    _needs_docker_23(
        caps, caps.network_none, _network_none_steps(request.plan),
        what="run(..., network=False)", instruction="RUN --network=none",
        drop="drop network=False",
    )  # fmt: skip
    _needs_docker_23(
        caps, caps.tmpfs_size, _sized_tmpfs_steps(request.plan),
        what="Tmpfs(..., size=...)", instruction="RUN --mount=type=tmpfs,size=",
        drop="leave size out",
    )  # fmt: skip
    _refuse_platforms(caps, request)
    missing = [name for name in request.attest if name not in caps.attestations]
    if missing:
        why = (
            "buildx stores attestations only in the containerd image store"
            if caps.client_mode == "buildx"
            else "only the buildx client can attach attestations"
        )
        raise EngineUnavailable(
            "docker",
            f"{' and '.join(missing)} attestation asked for, but {why}; this is {caps.describe()}",
            fix="build without attest=, or on a daemon with the containerd image store "
            "and the docker-buildx plugin",
        )


def _refuse_platforms(caps: Capabilities, request: BuildRequest) -> None:
    """A classic image store holds one platform per tag: several platforms are built one
    by one and assembled into an index in a registry, so they need a push, and cannot
    be written to an archive or a cache reference."""
    if len(request.platforms) < 2 or caps.containerd_store:
        return
    several = f"{len(request.platforms)} platforms ({', '.join(request.platforms)})"
    why = (
        f"the classic image store of {caps.describe()} holds one platform per tag, so the "
        "multi-platform image is assembled in a registry"
    )
    if not request.push:
        raise EngineUnavailable(
            "docker",
            f"{several} asked for without a push: {why}",
            fix="push it (push=True, --push) to a tag in a registry, e.g. "
            "127.0.0.1:5000/name:tag; or build on a daemon with the containerd image store",
        )
    if request.archive is not None or request.cache_to:
        output = "an archive" if request.archive is not None else "cache_to"
        raise EngineUnavailable(
            "docker",
            f"{several} with {output}: {why}, and none is in the local store to write",
            fix=f"build without {output}, or on a daemon with the containerd image store",
        )


def _network_none_steps(plan: BuildPlan) -> list[RunOp]:
    return [s for st in plan.stages for s in st.steps if isinstance(s, RunOp) and not s.network]


def _sized_tmpfs_steps(plan: BuildPlan) -> list[RunOp]:
    return [
        s
        for st in plan.stages
        for s in st.steps
        if isinstance(s, RunOp) and any(isinstance(m, Tmpfs) and m.size for m in s.mounts)
    ]


def build_flags(
    caps: Capabilities,
    work: Path,
    attest: Collection[Attestation] = (),
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """The daemon-dependent flags of the build command: builder, attestations, where
    the image id is written, and ``SOURCE_DATE_EPOCH``."""
    flags: list[str] = []
    if caps.client_mode == "buildx":
        assert caps.builder is not None
        flags += ["--builder", caps.builder]
        if caps.attestation_flags:
            flags.append(f"--provenance={'mode=max' if 'provenance' in attest else 'false'}")
            flags.append(f"--sbom={'true' if 'sbom' in attest else 'false'}")
    if caps.containerd_store:
        flags += ["--metadata-file", str(work / METADATA)]
    else:
        flags += ["--iidfile", str(work / IIDFILE)]
    epoch = (environ if environ is not None else {}).get("SOURCE_DATE_EPOCH", "")
    if epoch and caps.source_date_epoch:
        flags += ["--build-arg", f"SOURCE_DATE_EPOCH={epoch}"]
    return flags


def image_id(caps: Capabilities, work: Path) -> str:
    """The built image's id as ``docker image inspect`` shows it, read from what the
    build command wrote: the ``--iidfile`` in the classic store (the config digest, with
    any client and daemon version), the manifest digest from buildx's metadata in the
    containerd store (there the iidfile holds a config digest inspect cannot resolve)."""
    try:
        if not caps.containerd_store:
            return (work / IIDFILE).read_text().strip()
        metadata = json.loads((work / METADATA).read_text())
    except (OSError, ValueError) as exc:
        raise BuildError(f"the build wrote no image id ({exc})") from None
    value = metadata.get("containerimage.digest")
    if not isinstance(value, str):
        raise BuildError(f"the build's metadata has no containerimage.digest: {sorted(metadata)}")
    return value
