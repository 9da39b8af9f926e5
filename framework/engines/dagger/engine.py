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
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TextIO, cast

import dagger
from dagger import dag, telemetry
from dagger.provisioning._engine import Engine as SdkEngine

from framework.engines.base import (
    BuildRequest,
    BuildResult,
    Redactor,
    StepKey,
    StepReport,
    StepStatus,
)
from framework.engines.dagger.mapping import DaggerMapping, Unsupported
from framework.engines.staging import stage_context
from framework.errors import BuildError, EngineUnavailable
from framework.plan import BuildPlan, RunOp, Stage, changes_filesystem, describe_step
from framework.render import render
from framework.spec import Inline
from framework.spec.sources import ContextPath
from framework.spec.urls import Url

__all__ = ["DaggerEngine", "cli_path", "exec_failure"]

_TAIL = 25

_FIX = (
    "install the Dagger CLI (https://docs.dagger.io/install) next to a container runtime, "
    "run inside `dagger run`, or point _EXPERIMENTAL_DAGGER_RUNNER_HOST at a remote engine "
    "(e.g. tcp://buildkit.internal:1234); or build with engine='docker'"
)


class _EngineWithCli(SdkEngine):
    """The SDK's provisioning, told which CLI to use instead of reading it from
    ``os.environ`` (which a build leaves unchanged)."""

    def __init__(self, cfg: dagger.Config, stack: AsyncExitStack, cli: str | None) -> None:
        super().__init__(cfg, stack)
        self._cli = cli

    async def get_cli(self) -> str:
        return self._cli or str(await super().get_cli())


def cli_path() -> str | None:
    """A ``dagger`` CLI on PATH for the SDK to use instead of downloading its own, unless
    ``_EXPERIMENTAL_DAGGER_CLI_BIN`` names one already (the SDK reads that itself)."""
    if "_EXPERIMENTAL_DAGGER_CLI_BIN" in os.environ:
        return None
    return shutil.which("dagger")


@asynccontextmanager
async def _connection(config: dagger.Config) -> AsyncIterator[None]:
    """``dagger.connection(config)``, with the CLI from :func:`cli_path`."""
    telemetry.initialize()
    async with AsyncExitStack() as stack:
        engine = await _EngineWithCli(config, stack, cli_path()).provision()
        await engine.setup_client(engine.get_shared_client_connection())
        yield


class _LogLines(io.TextIOBase):
    """A text sink for the SDK's log output that forwards whole, redacted lines to the
    step being evaluated (``key``)."""

    def __init__(self, request: BuildRequest, redact: Redactor) -> None:
        super().__init__()
        self._request = request
        self._redact = redact
        self._partial = ""
        self.key = StepKey(request.plan.target.name, 0)

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            if line.strip():
                self._request.progress.step_output(self.key, self._redact(line))
        return len(text)

    def writable(self) -> bool:
        return True

    def close(self) -> None:
        if self._partial.strip():
            self._request.progress.step_output(self.key, self._redact(self._partial))
        self._partial = ""
        super().close()


class _Steps:
    """Evaluates each filesystem step as the mapping makes it, so the progress display
    shows one row per step with its duration, and a failed exec is reported as the step
    it belongs to (by position, not by comparing commands)."""

    def __init__(self, request: BuildRequest, log: _LogLines, redact: Redactor) -> None:
        self._request = request
        self._log = log
        self._redact = redact
        self.reports: dict[StepKey, StepReport] = {}

    async def __call__(self, stage: Stage, number: int, container: dagger.Container) -> None:
        plan, progress = self._request.plan, self._request.progress
        step = stage.steps[number]
        key = StepKey(stage.name, number + 1)
        description = describe_step(plan, step)
        progress.step_started(key, description)
        self._log.key = key
        started = time.monotonic()

        def report(status: StepStatus) -> StepReport:
            shown = StepReport(
                stage=stage.name,
                index=number + 1,
                description=description,
                status=status,
                duration=time.monotonic() - started,
                where=None if step.origin is None else str(step.origin),
            )
            self.reports[key] = shown
            progress.step_finished(shown)
            return shown

        try:
            await container.sync()
        except dagger.ExecError as exc:
            report("failed")
            raise exec_failure(stage, number, description, exc, self._redact) from None
        except BaseException:
            report("cancelled")
            raise
        report("unknown")  # Dagger does not say whether a step came from its cache


class DaggerEngine:
    """Builds plans through Dagger (PyPI ``dagger-io``)."""

    name = "dagger"

    def check(self) -> None:
        """Nothing to check ahead: the SDK provisions or reaches an engine when the build
        opens its connection, and a failure there is an ``EngineUnavailable``."""

    async def build(self, request: BuildRequest) -> BuildResult:
        if len(request.platforms) > 1:
            raise EngineUnavailable(
                "dagger",
                f"{len(request.platforms)} platforms in one build: the dagger engine builds "
                "one platform per build",
                fix="build the multi-platform image on the docker engine (engine='docker'), "
                "or one platform per build",
            )
        started = time.monotonic()
        redact = Redactor(request.secrets)
        log = _LogLines(request, redact)
        config = dagger.Config(log_output=cast(TextIO, log))
        steps = _Steps(request, log, redact)
        try:
            with tempfile.TemporaryDirectory(prefix="framework-dagger-") as tmp:
                staged = _stage_sources(request.plan, Path(tmp) / "sources")
                async with _connection(config):
                    image_id, pushed = await self._build(request, Path(tmp), staged, steps)
        except (dagger.ProvisionError, dagger.ClientConnectionError) as exc:
            raise EngineUnavailable(
                "dagger", f"no Dagger engine could be reached or provisioned ({exc})", fix=_FIX
            ) from None
        except dagger.ExecError as exc:  # an exec outside a step's evaluation
            raise exec_failure(None, None, None, exc, redact) from None
        except dagger.DaggerError as exc:
            raise BuildError(redact(str(exc))) from None
        except Unsupported as exc:
            raise BuildError(f"the dagger engine cannot honour {exc}") from None
        result = BuildResult(
            engine=self.name,
            image_id=image_id,
            tags=request.tags,
            plan_digest=request.plan.digest,
            steps=_reports(request.plan, steps.reports),
            duration=time.monotonic() - started,
            pushed=pushed,
            archive=None if request.archive is None else str(request.archive),
        )
        return result

    async def _build(
        self,
        request: BuildRequest,
        tmp: Path,
        staged: dict[tuple[object, ...], str],
        steps: _Steps,
    ) -> tuple[str, tuple[str, ...]]:
        """Build, export and publish; the image id and the references pushed."""

        async def is_directory(container: dagger.Container, path: str) -> bool:
            return await container.exists(path, expected_type=dagger.ExistsType.DIRECTORY_TYPE)

        if request.cache_from or request.cache_to:
            raise Unsupported(
                "cache_from/cache_to (configure Dagger's own cache with "
                "_EXPERIMENTAL_DAGGER_CACHE_CONFIG)"
            )
        if request.no_cache:
            raise Unsupported("no_cache (Dagger has no switch to build without its cache)")
        if request.pull:
            raise Unsupported("pull (Dagger has no switch to refresh base images)")
        if request.attest:
            raise Unsupported("attest (attestations are made by the docker engine's buildx)")
        mapping = DaggerMapping(
            dag,
            staged=lambda source: staged[_source_key(source)],
            is_directory=is_directory,
            platform=request.platforms[0] if request.platforms else None,
            after_step=steps,
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
    return {_source_key(entry.source): str(root / entry.path) for entry in entries}


def _source_key(source: ContextPath | Inline | Url) -> tuple[object, ...]:
    if isinstance(source, Inline):
        return ("inline", source.sha256)
    if isinstance(source, Url):
        return ("download", source.sha256)
    ctx = source.context
    return ("context", ctx.path, ctx.include, ctx.exclusions, source.path)


def exec_failure(
    stage: Stage | None,
    number: int | None,
    description: str | None,
    exc: dagger.ExecError,
    redact: Redactor,
) -> BuildError:
    """A failed exec as a :class:`BuildError` carrying Dagger's data: the step (when it
    is known), exit code, and the last lines of stdout and stderr, redacted."""

    def tail(text: str) -> tuple[str, ...]:
        return tuple(redact(line) for line in text.splitlines()[-_TAIL:])

    step = None if stage is None or number is None else stage.steps[number]
    command = step.command if isinstance(step, RunOp) else " ".join(exc.command)
    return BuildError(
        redact(f"exit code: {exc.exit_code}"),
        stage=None if stage is None else stage.name,
        step=None if number is None else f"{number + 1}: {description}",
        command=redact(command),
        where=None if step is None or step.origin is None else str(step.origin),
        output_tail=tail(exc.stdout + exc.stderr),
        exit_code=exc.exit_code,
        stdout_tail=tail(exc.stdout),
        stderr_tail=tail(exc.stderr),
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


def _reports(plan: BuildPlan, shown: dict[StepKey, StepReport]) -> tuple[StepReport, ...]:
    """The reports of the steps evaluated one by one, and ``config`` for the rest."""
    return tuple(
        shown.get(StepKey(stage.name, number + 1))
        or StepReport(
            stage=stage.name,
            index=number + 1,
            description=describe_step(plan, step),
            status="unknown" if changes_filesystem(step) else "config",
            where=None if step.origin is None else str(step.origin),
        )
        for stage in plan.stages
        for number, step in enumerate(stage.steps)
    )
