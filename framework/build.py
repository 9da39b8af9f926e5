"""``build()``: the one call a pipeline script needs."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from framework._dataclass import dataclass
from framework.errors import EngineUnavailable, FrameworkError, Interrupted, SpecError
from framework.plan import BuildPlan, compile
from framework.progress import Progress, default_progress
from framework.signals import sigterm_as_interrupt
from framework.spec import Image, Secret
from framework.spec.references import cache_source_problem, tag_problem
from framework.teardown import skip_exit_collections

if TYPE_CHECKING:
    from framework.engines import BuildRequest, BuildResult, Engine
    from framework.engines.base import Outputs
    from framework.record.builds import DaemonState

__all__ = ["BuildOptions", "build", "build_async", "importing_pipeline", "read_secrets"]

_IMPORTING: ContextVar[str | None] = ContextVar("framework_importing_pipeline", default=None)
_FRAMEWORK = Path(__file__).resolve().parent


@contextmanager
def importing_pipeline(source: str) -> Iterator[None]:
    """While the pipeline ``source`` (a file or module) is imported to find its
    pipelines, a build is refused with a :class:`SpecError` at the line that asked for
    it: loading a target never builds."""
    token = _IMPORTING.set(source)
    try:
        yield
    finally:
        _IMPORTING.reset(token)


def _refuse_while_importing() -> None:
    source = _IMPORTING.get()
    if source is None:
        return
    outside = [
        f"{f.filename}:{f.lineno}"
        for f in traceback.extract_stack()
        if not f.filename.startswith("<") and _FRAMEWORK not in Path(f.filename).resolve().parents
    ]
    raise SpecError(
        f"{source} builds an image when it is imported; the command line imports "
        "pipelines to find their functions and refuses to build on import",
        fix="move the build() call into a function, or under "
        '`if __name__ == "__main__":` (e.g. run_script(lambda: build(...)))',
        where=outside[-1] if outside else None,
    )


@dataclass(frozen=True)
class BuildOptions:
    """Everything :func:`build` and :func:`build_async` take besides the image, as one
    value (see :func:`build` for what each means)."""

    tag: str | Sequence[str] = ()
    engine: str | Engine | None = None
    progress: Progress | None = None
    push: bool = False
    archive: str | Path | None = None
    platforms: str | Sequence[str] = ()
    cache_from: Sequence[str] = ()
    cache_to: Sequence[str] = ()
    attest: Sequence[str] = ()
    no_cache: bool = False
    pull: bool = False
    lint: str = "warn"


def build(
    image: Image,
    *,
    tag: str | Sequence[str] = (),
    engine: str | Engine | None = None,
    progress: Progress | None = None,
    push: bool = False,
    archive: str | Path | None = None,
    platforms: str | Sequence[str] = (),
    cache_from: Sequence[str] = (),
    cache_to: Sequence[str] = (),
    attest: Sequence[str] = (),
    no_cache: bool = False,
    pull: bool = False,
    lint: str = "warn",
) -> BuildResult:
    """Compile ``image``, build it on ``engine`` and tag it with ``tag``.

    ``engine`` is ``"docker"`` (BuildKit in the local Docker daemon; the default),
    ``"dagger"``, ``"auto"`` (Dagger where reachable without a download, else docker),
    or an engine object; the display says which was chosen and why. ``push`` pushes
    the tags; ``archive`` writes the image to a tar file; ``cache_from`` and
    ``cache_to`` are passed to BuildKit (see :class:`framework.engines.BuildRequest`).
    ``platforms`` are the target platforms (``"linux/arm64"`` or a list; default: the
    daemon's own): with more than one, the image is one multi-platform index, so it
    needs a tag; a daemon whose image store cannot hold such an index (Docker's classic
    store) builds each platform on its own and needs ``push=True`` to a registry, where the
    index is assembled (:mod:`framework.engines.docker.multiplatform`).
    ``attest`` asks for attestations (``"provenance"``, ``"sbom"``); without it none are
    made, so a rebuild of an unchanged pipeline gives the same image id; an engine that
    cannot make them refuses with :class:`framework.errors.EngineUnavailable`.
    ``lint`` (:mod:`framework.lint`) checks best practices first: ``"warn"`` (default)
    prints findings on stderr, ``"error"`` raises :class:`framework.errors.LintError`
    before any engine starts, ``"off"`` skips the checks.

    On the docker engine, a build whose inputs are unchanged since a recorded build whose
    image is still tagged is answered from the local build record without starting
    BuildKit (``BuildResult.from_record``; every step ``cached`` (``config`` for steps that
    only change the image config), with the reason; see
    :mod:`framework.record.builds`); every successful docker build is recorded.
    ``no_cache`` skips the record and BuildKit's cache (``docker build --no-cache``).
    ``pull`` skips the record and asks the registry for each base image again instead of
    using the local copy (``docker build --pull``); if the registry cannot be reached,
    the build fails saying so (the Dagger engine refuses it: it has no such switch).

    Invalid descriptions, invalid tags and missing secret sources raise
    :class:`framework.errors.SpecError` before any engine starts; a missing engine
    raises :class:`framework.errors.EngineUnavailable`; a failing step raises
    :class:`framework.errors.BuildError` and tags nothing. Ctrl-C cancels the build in
    BuildKit and raises :class:`framework.errors.Interrupted` (a ``KeyboardInterrupt``)
    saying what the build had already tagged, pushed or written; SIGTERM does the same
    and raises its subclass :class:`framework.errors.Terminated` (exit 143, see
    :mod:`framework.signals`). Progress goes to ``progress`` (default: a live display
    on a terminal, plain lines otherwise). An error nobody catches ends the process as
    the CLI does: the framework's message without a traceback and the CLI's exit code
    (:func:`framework.script.report_if_uncaught`; ``FRAMEWORK_TRACEBACK=1`` adds the
    traceback); :func:`framework.run_script` does the same for a whole ``__main__`` block.
    """
    _refuse_while_importing()
    options = BuildOptions(
        tag=tag, engine=engine, progress=progress, push=push, archive=archive,
        platforms=platforms, cache_from=cache_from, cache_to=cache_to, attest=attest,
        no_cache=no_cache, pull=pull, lint=lint,
    )  # fmt: skip
    outputs: Outputs | None = None  # what the engine changes: none before a real build
    try:
        with sigterm_as_interrupt():
            try:
                prepared = _prepare(image, options)
                answered = _from_record(prepared)
                if answered is not None:
                    return answered
                import anyio  # loaded with the first real build, like the engines

                from framework.engines.base import Outputs

                outputs = Outputs()
                return anyio.run(_build_prepared, prepared, outputs)
            except Interrupted:
                raise
            except KeyboardInterrupt:
                from framework.engines.base import Outputs

                raise Interrupted((outputs or Outputs()).describe()) from None
    except (FrameworkError, KeyboardInterrupt):
        from framework.script import report_if_uncaught

        report_if_uncaught()
        raise


async def build_async(
    image: Image,
    *,
    tag: str | Sequence[str] = (),
    engine: str | Engine | None = None,
    progress: Progress | None = None,
    push: bool = False,
    archive: str | Path | None = None,
    platforms: str | Sequence[str] = (),
    cache_from: Sequence[str] = (),
    cache_to: Sequence[str] = (),
    attest: Sequence[str] = (),
    no_cache: bool = False,
    pull: bool = False,
    lint: str = "warn",
) -> BuildResult:
    """:func:`build` for code that already runs an event loop (asyncio or trio)."""
    from framework.engines.base import Outputs

    options = BuildOptions(
        tag=tag, engine=engine, progress=progress, push=push, archive=archive,
        platforms=platforms, cache_from=cache_from, cache_to=cache_to, attest=attest,
        no_cache=no_cache, pull=pull, lint=lint,
    )  # fmt: skip
    return await _build(image, options, Outputs())


async def _build(image: Image, options: BuildOptions, outputs: Outputs) -> BuildResult:
    """:func:`build_async`, recording in ``outputs`` what the engine changes as it goes."""
    import anyio

    prepared = _prepare(image, options)
    answered = await anyio.to_thread.run_sync(_from_record, prepared)
    if answered is not None:
        return answered
    return await _build_prepared(prepared, outputs)


@dataclass(frozen=True)
class _Prepared:
    """A build checked and ready: the plan, its options normalised, its secrets read."""

    plan: BuildPlan
    options: BuildOptions
    tags: tuple[str, ...]
    attest: tuple[Literal["provenance", "sbom"], ...]
    platforms: tuple[str, ...]
    secrets: dict[str, bytes]


def _prepare(image: Image, options: BuildOptions) -> _Prepared:
    """Compile and check everything that can be checked before any engine starts."""
    _refuse_while_importing()
    skip_exit_collections()
    if not isinstance(image, Image):
        raise SpecError(
            f"build() got {type(image).__name__}, not an Image",
            fix="pass the Image your pipeline function returns",
        )
    plan = compile(image)
    tag = options.tag
    tags = (tag,) if isinstance(tag, str) else tuple(tag)
    if options.push and not tags:
        raise SpecError("push=True but no tag to push", fix="give tag='registry/name:tag'")
    for reference in (*tags, *options.cache_to):
        problem = tag_problem(reference)
        if problem is not None:
            raise SpecError(problem, fix="give a tag like 'name:1.0' or 'registry:5000/name:tag'")
    for reference in options.cache_from:
        problem = cache_source_problem(reference)
        if problem is not None:
            raise SpecError(problem, fix="give a reference like 'registry:5000/name:cache'")
    attestations = _attestations(options.attest)
    platforms = _platforms(options.platforms, tags)
    return _Prepared(plan, options, tags, attestations, platforms, read_secrets(plan))


def _docker_host(engine: str | Engine | None) -> tuple[bool, str | None]:
    """Whether ``engine`` is the docker engine, and the daemon it names (``None``: the
    client's choice). An engine object counts only if it is a ``DockerEngine``, whose
    module is then loaded already (so this imports nothing)."""
    if engine is None or engine == "docker":
        return True, None
    module = sys.modules.get("framework.engines.docker.engine")
    if module is not None and isinstance(engine, module.DockerEngine):
        return True, engine.host
    return False, None


def _recordable(prepared: _Prepared) -> tuple[bool, str | None]:
    """Whether the build record may answer this build, and the daemon it goes to."""
    options = prepared.options
    docker, host = _docker_host(options.engine)
    plain = not (options.push or options.cache_to or options.archive or prepared.platforms)
    return docker and plain and not (options.no_cache or options.pull), host


def _from_record(prepared: _Prepared) -> BuildResult | None:
    """:func:`_lookup`, and the answer linted (without the daemon's rules, which ran at
    the recorded build) and shown on the progress display."""
    result = _lookup(prepared)
    if result is not None:
        from framework.lint import check_before_build

        check_before_build(prepared.plan, prepared.options.lint)
        _show(prepared, result)
    return result


def _lookup(prepared: _Prepared) -> BuildResult | None:
    """The build answered from the build record; ``None`` when a real build must run.
    Synchronous, spawns nothing, starts no engine."""
    usable, host = _recordable(prepared)
    if not usable:
        return None
    from framework.record.builds import answer

    return answer(prepared.plan, prepared.tags, prepared.attest, host)


def _show(prepared: _Prepared, result: BuildResult) -> None:
    """Show an answer from the record as a build whose steps are all cached."""
    plan, shown = prepared.plan, prepared.options.progress or default_progress()
    target = f"{prepared.tags[0]} ({plan.target.name})" if prepared.tags else plan.target.name
    shown.begin(f"docker (build record: {result.steps[0].reason})", target)
    for report in result.steps:
        shown.step_started(report.key, report.description)
        shown.step_finished(report)
    shown.end(result)


async def _build_prepared(prepared: _Prepared, outputs: Outputs) -> BuildResult:
    """Build ``prepared`` on its engine (``auto``: the first that answers); a successful
    docker build is recorded (:mod:`framework.record.builds`)."""
    options = prepared.options
    # Engines load on first build, so describing and rendering images imports less.
    from framework.engines import BuildRequest, select_engine
    from framework.engines.registry import AUTO, next_for_auto
    from framework.lint import check_before_build

    chosen, reason = select_engine(options.engine)
    check_before_build(prepared.plan, options.lint, chosen)  # warn: stderr; error: LintError
    await _fetch_downloads(prepared.plan)
    shown = options.progress or default_progress()
    request = BuildRequest(
        plan=prepared.plan,
        tags=prepared.tags,
        progress=shown,
        secrets=prepared.secrets,
        push=options.push,
        archive=None if options.archive is None else Path(options.archive),
        platforms=prepared.platforms,
        cache_from=tuple(options.cache_from),
        cache_to=tuple(options.cache_to),
        outputs=outputs,
        attest=prepared.attest,
        no_cache=options.no_cache,
        pull=options.pull,
    )
    while True:
        try:
            return await _build_on(chosen, reason, request)
        except EngineUnavailable as exc:
            # auto means the first engine that answers: try the next one registered.
            after = next_for_auto(chosen.name, exc.problem) if options.engine == AUTO else None
            if after is None:
                raise
            chosen, reason = after


async def _fetch_downloads(plan: BuildPlan) -> None:
    """Fetch and verify the files the plan adds from URLs, before any engine starts
    (:mod:`framework.downloads`); a download prints its progress on stderr."""
    from framework.plan import AddUrlOp

    if not any(isinstance(s, AddUrlOp) for stage in plan.stages for s in stage.steps):
        return
    import anyio

    from framework.downloads import fetch_plan

    def report(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    await anyio.to_thread.run_sync(fetch_plan, plan, report)


async def _build_on(engine: Engine, reason: str, request: BuildRequest) -> BuildResult:
    """Check ``engine``, then build on it, telling the display when it starts and ends;
    a docker build is recorded when it succeeds."""
    import anyio

    await anyio.to_thread.run_sync(engine.check)
    plan, shown = request.plan, request.progress
    target = f"{request.tags[0]} ({plan.target.name})" if request.tags else plan.target.name
    recording = await anyio.to_thread.run_sync(_start_recording, engine, request)
    shown.begin(f"{engine.name} ({reason})", target)
    try:
        result = await engine.build(request)
    except BaseException:
        shown.end(None)
        raise
    if recording is not None:
        await anyio.to_thread.run_sync(recording.finish, result)
    shown.end(result)
    return result


def _start_recording(engine: Engine, request: BuildRequest) -> _Recording | None:
    """What the record needs from before a docker build on a local socket (``None``: the
    build is not recorded: another engine, a platform, or a daemon the API cannot reach)."""
    docker, host = _docker_host(engine)
    if not docker or request.platforms:
        return None
    from framework.record.builds import daemon_state
    from framework.record.explanation import predict

    state = daemon_state(request.plan, host)
    if state is None:
        return None
    predicted = [p.as_json() for p in predict(request.plan, request.tags, state)]
    return _Recording(request, state, predicted)


@dataclass
class _Recording:
    """A docker build being recorded: the daemon's state before it, and the prediction
    ``explain`` made for it."""

    request: BuildRequest
    state: DaemonState
    predicted: list[dict[str, object]]

    def finish(self, result: BuildResult) -> None:
        from framework.record.builds import remember

        request = self.request
        remember(request.plan, self.state, request.tags, request.attest, result, self.predicted)


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


def _platforms(platforms: str | Sequence[str], tags: tuple[str, ...]) -> tuple[str, ...]:
    """The target platforms, checked, in the order given, without repeats."""
    from framework.spec.platforms import BUILD_PLATFORM, platform_problem

    given = (platforms,) if isinstance(platforms, str) else tuple(platforms)
    fix = "give os/arch[/variant] as docker build --platform takes it: 'linux/arm64'"
    for platform in given:
        if platform == BUILD_PLATFORM:
            raise SpecError(
                "BUILD_PLATFORM names the platform a stage runs on (Image.from_(..., "
                "platform=BUILD_PLATFORM)), not a target of the build",
                fix=fix + ", or leave platforms out to build for the daemon's own",
            )
        problem = platform_problem(platform)
        if problem is not None:
            raise SpecError(problem, fix=fix + " (several: ['linux/amd64', 'linux/arm64'])")
    unique = tuple(dict.fromkeys(given))
    if len(unique) > 1 and not tags:
        raise SpecError(
            f"building for {len(unique)} platforms ({', '.join(unique)}) makes one "
            "multi-platform image, which needs a tag to name it",
            fix="give tag='registry:5000/name:tag' (and push=True on a daemon whose image "
            "store holds one platform per tag), or build one platform at a time",
        )
    return unique


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
