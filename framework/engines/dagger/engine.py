"""The Dagger engine: plans become Dagger container chains, built by a Dagger engine.

The connection is opened with anyio for the length of one build. Where no engine can
be reached or provisioned, the SDK's provisioning error becomes one
:class:`framework.errors.EngineUnavailable` that says how to get one.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO, cast

import dagger
from dagger import dag

from framework.engines.base import BuildRequest, BuildResult, Redactor, StepReport
from framework.engines.dagger.mapping import DaggerMapping, Unsupported
from framework.engines.staging import stage_context
from framework.errors import BuildError, EngineUnavailable
from framework.plan import BuildPlan, RunOp, changes_filesystem, describe_step
from framework.render import render
from framework.spec import Inline
from framework.spec.sources import ContextPath

__all__ = ["DaggerEngine"]

_FIX = (
    "install the Dagger CLI (https://docs.dagger.io/install) next to a container runtime, "
    "run inside `dagger run`, or point _EXPERIMENTAL_DAGGER_RUNNER_HOST at a remote engine "
    "(e.g. tcp://buildkit.internal:1234); or build with engine='docker'"
)


@contextmanager
def _cli_on_path() -> Iterator[None]:
    """Let the SDK use a ``dagger`` CLI on PATH instead of downloading its own."""
    cli = shutil.which("dagger")
    if cli is None or "_EXPERIMENTAL_DAGGER_CLI_BIN" in os.environ:
        yield
        return
    os.environ["_EXPERIMENTAL_DAGGER_CLI_BIN"] = cli
    try:
        yield
    finally:
        del os.environ["_EXPERIMENTAL_DAGGER_CLI_BIN"]


class _LogLines(io.TextIOBase):
    """A text sink for the SDK's log output that forwards whole, redacted lines."""

    def __init__(self, request: BuildRequest, redact: Redactor) -> None:
        super().__init__()
        self._request = request
        self._redact = redact
        self._partial = ""

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            if line.strip():
                self._request.progress.step_output("dagger", self._redact(line))
        return len(text)

    def writable(self) -> bool:
        return True

    def close(self) -> None:
        if self._partial.strip():
            self._request.progress.step_output("dagger", self._redact(self._partial))
        self._partial = ""
        super().close()


class DaggerEngine:
    """Builds plans through Dagger (PyPI ``dagger-io``)."""

    name = "dagger"

    def check(self) -> None:
        """Nothing to check ahead: the SDK provisions or reaches an engine when the build
        opens its connection, and a failure there is an ``EngineUnavailable``."""

    async def build(self, request: BuildRequest) -> BuildResult:
        started = time.monotonic()
        redact = Redactor(request.secrets)
        config = dagger.Config(log_output=cast(TextIO, _LogLines(request, redact)))
        try:
            with tempfile.TemporaryDirectory(prefix="framework-dagger-") as tmp, _cli_on_path():
                staged = _stage_sources(request.plan, Path(tmp) / "sources")
                async with dagger.connection(config):
                    image_id, pushed = await self._build(request, Path(tmp), staged)
        except (dagger.ProvisionError, dagger.ClientConnectionError) as exc:
            raise EngineUnavailable(
                "dagger", f"no Dagger engine could be reached or provisioned ({exc})", fix=_FIX
            ) from None
        except dagger.ExecError as exc:
            raise _exec_failure(request.plan, exc, redact) from None
        except dagger.DaggerError as exc:
            raise BuildError(redact(str(exc))) from None
        except Unsupported as exc:
            raise BuildError(f"the dagger engine cannot honour {exc}") from None
        result = BuildResult(
            engine=self.name,
            image_id=image_id,
            tags=request.tags,
            plan_digest=request.plan.digest,
            steps=_reports(request.plan),
            duration=time.monotonic() - started,
            pushed=pushed,
            archive=None if request.archive is None else str(request.archive),
        )
        return result

    async def _build(
        self, request: BuildRequest, tmp: Path, staged: dict[tuple[object, ...], str]
    ) -> tuple[str, tuple[str, ...]]:
        """Build, export and publish; the image id and the references pushed."""

        async def is_directory(container: dagger.Container, path: str) -> bool:
            return await container.exists(path, expected_type=dagger.ExistsType.DIRECTORY_TYPE)

        if request.cache_from or request.cache_to:
            raise Unsupported(
                "cache_from/cache_to (configure Dagger's own cache with "
                "_EXPERIMENTAL_DAGGER_CACHE_CONFIG)"
            )
        if request.attest:
            raise Unsupported("attest (attestations are made by the docker engine's buildx)")
        mapping = DaggerMapping(
            dag,
            staged=lambda source: staged[_source_key(source)],
            is_directory=is_directory,
            platform=request.platform,
        )
        containers = await mapping.containers(request.plan)
        target = containers[request.plan.target.id]
        await target.sync()
        for tag in request.tags:
            await target.export_image(tag)
        tarball = request.archive or tmp / "image.tar"
        await target.export(str(tarball))
        pushed = [await target.publish(tag) for tag in request.tags] if request.push else []
        return _image_id(tarball), tuple(pushed)


def _stage_sources(plan: BuildPlan, root: Path) -> dict[tuple[object, ...], str]:
    """Stage every copy source once, as the docker engine does, before the engine starts;
    the host path of each, by :func:`_source_key`."""
    entries = render(plan).context
    stage_context(entries, root)
    return {_source_key(entry.source): str(root / entry.name) for entry in entries}


def _source_key(source: ContextPath | Inline) -> tuple[object, ...]:
    if isinstance(source, Inline):
        return ("inline", source.sha256)
    ctx = source.context
    return ("context", ctx.path, ctx.include, ctx.exclusions, source.path)


def _exec_failure(plan: BuildPlan, exc: dagger.ExecError, redact: Redactor) -> BuildError:
    """A failed exec as a BuildError naming the run step whose argv it ran."""
    argv = tuple(exc.command)
    tail = tuple(redact(x) for x in (exc.stdout + exc.stderr).splitlines()[-25:])
    for stage in plan.stages:
        for number, step in enumerate(stage.steps):
            if isinstance(step, RunOp) and step.argv == argv:
                return BuildError(
                    redact(f"exit code: {exc.exit_code}"),
                    stage=stage.name,
                    step=f"{number + 1}: {describe_step(plan, step)}",
                    command=redact(step.command),
                    where=None if step.origin is None else str(step.origin),
                    output_tail=tail,
                )
    return BuildError(
        redact(f"exit code: {exc.exit_code}"), command=redact(" ".join(argv)), output_tail=tail
    )


def _image_id(tarball: Path) -> str:
    """The config digest recorded in an exported OCI archive's index."""
    try:
        with tarfile.open(tarball) as archive:
            index = json.load(archive.extractfile("index.json"))  # type: ignore[arg-type]
            manifest_digest = index["manifests"][0]["digest"]
            blob = "blobs/" + manifest_digest.replace(":", "/")
            manifest = json.load(archive.extractfile(blob))  # type: ignore[arg-type]
        return str(manifest["config"]["digest"])
    except (OSError, KeyError, IndexError, ValueError, tarfile.TarError) as exc:
        raise BuildError(f"cannot read the image Dagger exported: {exc}") from None


def _reports(plan: BuildPlan) -> tuple[StepReport, ...]:
    """Dagger's API does not say per step whether it was cached: those are ``unknown``."""
    return tuple(
        StepReport(
            stage=stage.name,
            index=number + 1,
            description=describe_step(plan, step),
            status="unknown" if changes_filesystem(step) else "config",
            where=None if step.origin is None else str(step.origin),
        )
        for stage in plan.stages
        for number, step in enumerate(stage.steps)
    )
