"""The docker engine: BuildKit in a Docker daemon (local or remote), driven through a
rendered Dockerfile."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import anyio
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

from framework.engines.base import BuildRequest, BuildResult, Redactor
from framework.engines.docker.base_images import missing_base_error
from framework.engines.docker.capabilities import Capabilities, detect
from framework.engines.docker.client import DockerClient, find_client
from framework.engines.docker.invocation import build_flags, image_id, refuse_unsupported
from framework.engines.docker.output import OutputParser
from framework.engines.docker.process import dies_with_us
from framework.engines.docker.reports import failure, locate, reports, step_report, unfinished_step
from framework.engines.docker.secrets import SecretSources, secret_sources
from framework.engines.docker.workspace import staging_directory, staging_errors
from framework.engines.staging import stage_context
from framework.errors import BuildError, EngineUnavailable
from framework.render import RenderedBuild, render
from framework.spec.references import normalise

__all__ = ["DockerEngine"]

_MAX_LINE = 1 << 20
_GRACE = 15.0  # seconds the docker client gets to cancel a build before it is killed


class DockerEngine:
    """Builds plans with ``docker build`` on BuildKit (buildx, or a native-BuildKit client).

    ``client`` is the docker executable to use (default: ``$FRAMEWORK_DOCKER``, else the
    first BuildKit-capable ``docker``); a client that would use the legacy builder is
    refused with :class:`framework.errors.LegacyBuilderError`.

    ``host`` is the daemon to build on (``tcp://build.internal:2376``,
    ``ssh://user@build.internal``, ``unix:///path/docker.sock``); by default the client's
    own choice: ``$DOCKER_HOST``, else the current docker context, else the local socket.
    Every command the engine runs (check, build, push, save) goes to that one daemon: the
    image lands in its store, and pushes and cache imports leave from its network.
    """

    name = "docker"

    def __init__(self, client: str | None = None, host: str | None = None) -> None:
        self._explicit = client
        self._host = host
        self._client: DockerClient | None = None
        self._capabilities: Capabilities | None = None

    @property
    def host(self) -> str | None:
        """The daemon given as ``host``; ``None`` leaves the choice to the client."""
        return self._host

    @property
    def client(self) -> DockerClient:
        if self._client is None:
            self._client = find_client(self._explicit)
        return self._client

    @property
    def capabilities(self) -> Capabilities:
        """What the daemon and client can build (detected on first use)."""
        if self._capabilities is None:
            self._capabilities = detect(self.client, self.host)
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
        if len(request.platforms) > 1 and not caps.containerd_store:
            from framework.engines.docker.multiplatform import build_per_platform

            return await build_per_platform(self, request)
        rendered = render(request.plan, caps.features)
        redact = Redactor(request.secrets)
        with (
            staging_directory() as work,
            secret_sources(self.client, request.secrets) as secrets,
        ):
            with staging_errors(work):
                staged = stage_context(rendered.context, work / "context")
                (work / "Dockerfile").write_text(rendered.dockerfile, encoding="utf-8")
            argv, env = self._command(request, rendered, work, secrets)
            parser = await self._run(argv, env, request, rendered, redact)
            try:
                built = image_id(caps, work)
            except BuildError:
                await self._check_still_answering(request, rendered, parser)
                raise
        outputs = request.outputs
        outputs.image_id, outputs.tagged = built, (*request.tags, *request.cache_to)
        pushed = await self._push(request)
        if request.archive is not None:
            outputs.archive = str(request.archive)
            await self._docker(
                request, "save", "-o", str(request.archive), *(request.tags or (built,))
            )
            outputs.archived = True
        result = BuildResult(
            engine=self.name,
            image_id=built,
            tags=request.tags,
            plan_digest=request.plan.digest,
            steps=reports(request.plan, rendered, parser),
            duration=time.monotonic() - started,
            context_bytes=staged,
            pushed=pushed,
            archive=None if request.archive is None else str(request.archive),
        )
        return result

    async def _docker(self, request: BuildRequest, *args: str) -> str:
        """Run a docker command on the built image; a failure is a :class:`BuildError`
        with its output and what the build left behind."""
        result = await anyio.run_process(
            dies_with_us([self.client.path, *args]),
            check=False,
            env=self.client.environment(self.host),
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).decode(errors="replace").splitlines()
            raise BuildError(
                f"docker {args[0]} failed ({request.outputs.describe()})",
                output_tail=tuple(output[-15:]),
                tagged=True,
            )
        return result.stdout.decode(errors="replace")

    async def _push(self, request: BuildRequest) -> tuple[str, ...]:
        references = tuple(dict.fromkeys((request.tags if request.push else ()) + request.cache_to))
        outputs = request.outputs
        outputs.to_push = references
        for reference in references:
            outputs.pushing = reference
            output = await self._docker(request, "push", reference)
            digest = re.search(r"digest: (sha256:[0-9a-f]{64})", output)
            outputs.pushed.append(f"{reference}@{digest[1]}" if digest else reference)
            outputs.pushing = None
        return tuple(outputs.pushed)

    async def _note_tags_made(
        self, request: BuildRequest, parser: OutputParser, env: dict[str, str]
    ) -> None:
        """A build abandoned while exporting may already have tagged its image (the
        exporter names it before the client exits): record those tags and the image in
        ``request.outputs``, so the interruption says what was left behind."""
        named = set(parser.named)
        tagged = tuple(t for t in (*request.tags, *request.cache_to) if normalise(t) in named)
        if not tagged:
            return
        with anyio.CancelScope(shield=True):
            result = await anyio.run_process(
                [self.client.path, "image", "inspect", "--format", "{{.Id}}", tagged[0]],
                check=False,
                env=env,
            )
        if result.returncode == 0:
            request.outputs.image_id = result.stdout.decode().strip()
            request.outputs.tagged = tagged

    async def _check_still_answering(
        self, request: BuildRequest, rendered: RenderedBuild, parser: OutputParser
    ) -> None:
        """Raise :class:`EngineUnavailable` if the daemon stopped answering mid-build,
        naming the step that was under way; return if it still answers."""
        try:
            await anyio.to_thread.run_sync(detect, self.client, self.host)
        except EngineUnavailable as exc:
            step = unfinished_step(request.plan, rendered, parser)
            during = f"during step {step}" if step else "during the build"
            raise EngineUnavailable(
                "docker",
                f"the Docker daemon stopped answering {during} ({exc.problem})",
                fix=f"{exc.fix}; then build again (steps that finished are cached)",
            ) from None

    def _command(
        self, request: BuildRequest, rendered: RenderedBuild, work: Path, secrets: SecretSources
    ) -> tuple[list[str], dict[str, str]]:
        client = self.client
        env = client.environment(self.host)
        argv = [*client.build_command(), "--progress=plain", "-f", str(work / "Dockerfile")]
        argv += build_flags(self.capabilities, work, request.attest, env)
        for tag in (*request.tags, *request.cache_to):
            argv += ["-t", tag]
        if request.platforms:
            argv += ["--platform", ",".join(request.platforms)]
        if request.no_cache:
            argv.append("--no-cache")
        if request.pull:
            argv.append("--pull")
        for reference in request.cache_from:
            argv += ["--cache-from", reference]
        if request.cache_to:
            argv += ["--build-arg", "BUILDKIT_INLINE_CACHE=1"]
        # Multi-line env and label values (public: they are in the image config).
        for name, value in rendered.build_args:
            argv += ["--build-arg", f"{name}={value}"]
        for key, value in rendered.labels:
            argv += ["--label", f"{key}={value}"]
        # A new value on every build runs the no_cache steps again (not a secret).
        for name in rendered.fresh_args:
            argv += ["--build-arg", f"{name}={os.urandom(16).hex()}"]
        argv += secrets.argv
        env.update(secrets.env)
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
            started = await anyio.open_process(
                dies_with_us(argv), env=env, stdout=subprocess.DEVNULL
            )
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
                await self._note_tags_made(request, parser, env)
                raise
        if code != 0:
            await self._check_still_answering(request, rendered, parser)
            missing = await missing_base_error(
                self.client.path, env, plan, parser, pulled=request.pull,
                platforms=request.platforms,
            )  # fmt: skip
            raise missing or failure(plan, rendered, parser, redact)
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
            if event.kind == "finished":
                report = step_report(plan, rendered, event.vertex)
                if report is not None:
                    progress.step_finished(report)
                continue
            located = locate(plan, rendered, event.vertex)
            if located is None:
                continue
            key, description = located
            if event.kind == "started":
                progress.step_started(key, description)
            else:
                progress.step_output(key, event.line)
