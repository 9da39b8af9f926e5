"""The docker engine: BuildKit in a local Docker daemon, driven through a rendered Dockerfile."""

from __future__ import annotations

import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import anyio
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

from framework.engines.base import BuildRequest, BuildResult, Redactor, StepReport, StepStatus
from framework.engines.docker.capabilities import Capabilities, detect
from framework.engines.docker.client import DockerClient, find_client
from framework.engines.docker.context import stage_context
from framework.engines.docker.invocation import build_flags, image_id, refuse_unsupported
from framework.engines.docker.output import OutputParser, Vertex
from framework.errors import BuildError, EngineUnavailable
from framework.plan import BuildPlan, Stage, describe_step
from framework.render import RenderedBuild, render
from framework.spec import Run

__all__ = ["DockerEngine"]

_MAX_LINE = 1 << 20
_GRACE = 15.0  # seconds the docker client gets to cancel a build before it is killed


class DockerEngine:
    """Builds plans with ``docker build`` on BuildKit (buildx, or a native-BuildKit client).

    ``client`` is the docker executable to use (default: ``$FRAMEWORK_DOCKER``, else the
    first BuildKit-capable ``docker``); a client that would use the legacy builder is
    refused with :class:`framework.errors.LegacyBuilderError`.
    """

    name = "docker"

    def __init__(self, client: str | None = None) -> None:
        self._explicit = client
        self._client: DockerClient | None = None
        self._capabilities: Capabilities | None = None

    @property
    def client(self) -> DockerClient:
        if self._client is None:
            self._client = find_client(self._explicit)
        return self._client

    @property
    def capabilities(self) -> Capabilities:
        """What the daemon and client can build (detected on first use)."""
        if self._capabilities is None:
            self._capabilities = detect(self.client)
        return self._capabilities

    def check(self) -> None:
        """Find the client, reach the daemon and detect its capabilities; an engine
        object checks once.

        Reuse one ``DockerEngine`` across builds (``build(..., engine=engine)``) to pay
        for the probes once; a daemon that goes away later fails the build cleanly.
        """
        _ = self.capabilities

    async def build(self, request: BuildRequest) -> BuildResult:
        started = time.monotonic()
        caps = self.capabilities
        refuse_unsupported(caps, request)
        rendered = render(request.plan, caps.features)
        redact = Redactor(request.secrets)
        with tempfile.TemporaryDirectory(prefix="framework-build-") as tmp:
            work = Path(tmp)
            staged = stage_context(rendered.context, work / "context")
            (work / "Dockerfile").write_text(rendered.dockerfile, encoding="utf-8")
            argv, env = self._command(request, rendered, work)
            parser = await self._run(argv, env, request, rendered, redact)
            built = image_id(caps, work)
        pushed = await self._push(request)
        if request.archive is not None:
            await self._docker("save", "-o", str(request.archive), *(request.tags or (built,)))
        result = BuildResult(
            engine=self.name,
            image_id=built,
            tags=request.tags,
            plan_digest=request.plan.digest,
            steps=_reports(request.plan, rendered, parser),
            duration=time.monotonic() - started,
            context_bytes=staged,
            pushed=pushed,
            archive=None if request.archive is None else str(request.archive),
        )
        return result

    async def _docker(self, *args: str) -> str:
        """Run a docker command; a failure is a :class:`BuildError` with its output."""
        result = await anyio.run_process([self.client.path, *args], check=False)
        if result.returncode != 0:
            output = (result.stdout + result.stderr).decode(errors="replace").splitlines()
            raise BuildError(
                f"docker {args[0]} failed", output_tail=tuple(output[-15:]), tagged=True
            )
        return result.stdout.decode(errors="replace")

    async def _push(self, request: BuildRequest) -> tuple[str, ...]:
        references = (request.tags if request.push else ()) + request.cache_to
        pushed: list[str] = []
        for reference in dict.fromkeys(references):
            output = await self._docker("push", reference)
            digest = re.search(r"digest: (sha256:[0-9a-f]{64})", output)
            pushed.append(f"{reference}@{digest[1]}" if digest else reference)
        return tuple(pushed)

    def _command(
        self, request: BuildRequest, rendered: RenderedBuild, work: Path
    ) -> tuple[list[str], dict[str, str]]:
        client = self.client
        env = client.environment()
        argv = [*client.build_command(), "--progress=plain", "-f", str(work / "Dockerfile")]
        argv += build_flags(self.capabilities, work, request.attest, env)
        for tag in (*request.tags, *request.cache_to):
            argv += ["-t", tag]
        if request.platform:
            argv += ["--platform", request.platform]
        for reference in request.cache_from:
            argv += ["--cache-from", reference]
        if request.cache_to:
            argv += ["--build-arg", "BUILDKIT_INLINE_CACHE=1"]
        # Multi-line env and label values (public: they are in the image config).
        for name, value in rendered.build_args:
            argv += ["--build-arg", f"{name}={value}"]
        for key, value in rendered.labels:
            argv += ["--label", f"{key}={value}"]
        secret_dir = work / "secrets"
        secret_dir.mkdir(mode=0o700)
        for secret_id, secret in request.secrets.items():
            path = secret_dir / secret_id
            path.touch(mode=0o600)
            path.write_bytes(secret)
            argv += ["--secret", f"id={secret_id},src={path}"]
        argv.append(str(work / "context"))
        return argv, env

    async def _run(
        self,
        argv: list[str],
        env: dict[str, str],
        request: BuildRequest,
        rendered: RenderedBuild,
        redact: Redactor,
    ) -> OutputParser:
        parser = OutputParser()
        plan = request.plan
        try:
            started = await anyio.open_process(argv, env=env, stdout=subprocess.DEVNULL)
        except OSError as exc:
            raise EngineUnavailable(
                "docker", f"cannot run {argv[0]}: {exc}", fix="check the docker client install"
            ) from None
        async with started as process:
            try:
                await _pump(process, parser, request, rendered, redact)
                code = await process.wait()
            except BaseException:
                await _interrupt(process)
                raise
        if code != 0:
            raise _failure(plan, rendered, parser, redact)
        return parser


async def _interrupt(process: Process) -> None:
    """Stop a build being abandoned (Ctrl-C, cancellation): the docker client cancels
    the solve on SIGINT, so BuildKit stops the step's processes and tags nothing."""
    with anyio.CancelScope(shield=True):
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            with anyio.move_on_after(_GRACE):
                await process.wait()
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _pump(
    process: Process,
    parser: OutputParser,
    request: BuildRequest,
    rendered: RenderedBuild,
    redact: Redactor,
) -> None:
    plan = request.plan
    assert process.stderr is not None
    stream = BufferedByteReceiveStream(process.stderr)
    progress = request.progress
    while True:
        try:
            raw = await stream.receive_until(b"\n", _MAX_LINE)
        except (anyio.EndOfStream, anyio.IncompleteRead):
            break
        line = redact(raw.decode(errors="replace").rstrip("\r"))
        for event in parser.feed(line):
            located = _locate(plan, rendered, event.vertex)
            if located is None:
                continue
            key, description = located
            if event.kind == "started":
                progress.step_started(key, description)
            elif event.kind == "output":
                progress.step_output(key, event.line)
            else:
                stage, index = key.rsplit(" ", 1)
                progress.step_finished(
                    StepReport(
                        stage=stage,
                        index=int(index),
                        description=description,
                        status="cached" if event.vertex.status == "cached" else "executed",
                        duration=event.vertex.duration,
                    )
                )


def _locate(plan: BuildPlan, rendered: RenderedBuild, vertex: Vertex) -> tuple[str, str] | None:
    """The step key ``"<stage> <n>"`` and description of ``vertex``, if it is a step."""
    found = _step_of(plan, rendered, vertex)
    if found is None:
        return None
    stage, number = found
    return f"{stage.name} {number + 1}", describe_step(plan, stage.steps[number])


def _step_of(plan: BuildPlan, rendered: RenderedBuild, vertex: Vertex) -> tuple[Stage, int] | None:
    if vertex.index is None:
        return None
    # BuildKit leaves the name out when the Dockerfile has one stage.
    names = {known.name for known in rendered.vertices}
    name = vertex.stage or (names.pop() if len(names) == 1 else None)
    for known in rendered.vertices:
        if known.name == name and known.index == vertex.index and known.step is not None:
            return next(s for s in plan.stages if s.name == known.stage), known.step
    return None


def _reports(
    plan: BuildPlan, rendered: RenderedBuild, parser: OutputParser
) -> tuple[StepReport, ...]:
    seen: dict[tuple[str, int], Vertex] = {}
    for vertex in parser.vertices.values():
        found = _step_of(plan, rendered, vertex)
        if found is not None:
            seen[(found[0].name, found[1])] = vertex
    reports: list[StepReport] = []
    has_vertex = {(v.stage, v.step) for v in rendered.vertices if v.step is not None}
    for stage in plan.stages:
        for number, step in enumerate(stage.steps):
            description = describe_step(plan, step)
            where = None if step.origin is None else str(step.origin)
            if (stage.name, number) not in has_vertex:
                reports.append(
                    StepReport(
                        stage=stage.name,
                        index=number + 1,
                        description=description,
                        status="config",
                        where=where,
                    )
                )
                continue
            ran = seen.get((stage.name, number))
            status: StepStatus = (
                "unknown" if ran is None else ("cached" if ran.status == "cached" else "executed")
            )
            reports.append(
                StepReport(
                    stage=stage.name,
                    index=number + 1,
                    description=description,
                    status=status,
                    duration=0.0 if ran is None else ran.duration,
                    where=where,
                )
            )
    return tuple(reports)


def _failure(
    plan: BuildPlan, rendered: RenderedBuild, parser: OutputParser, redact: Redactor
) -> BuildError:
    failed = parser.failed()
    other = tuple(redact(line) for line in parser.other)
    if failed is not None:
        found = _step_of(plan, rendered, failed)
        if found is None:
            return BuildError(
                redact(failed.error or failed.name), output_tail=tuple(failed.output) + other
            )
        stage, number = found
        step = stage.steps[number]
        command = step.command() if isinstance(step, Run) else None
        return BuildError(
            redact(failed.error or "step failed"),
            stage=stage.name,
            step=f"{number + 1}: {describe_step(plan, step)}",
            command=redact(command) if command else None,
            where=None if step.origin is None else str(step.origin),
            output_tail=tuple(failed.output),
        )
    problem = next((line for line in reversed(other) if "error" in line.lower()), None)
    return BuildError(problem or "docker build failed", output_tail=other)
