"""``python -m framework build T1 T2 ...`` and ``build --all``: several images from one
process, built concurrently on one engine.

Every target is loaded first, in order (a target that fails to load is that target's
failure). The builds then run in one anyio task group over :func:`framework.build_async`,
at most ``--jobs`` at a time (default 4), on one engine object, so the daemon is probed
once and identical stages are shared through BuildKit's cache. Each progress line starts
with ``[TARGET]``. A failing target does not stop the others unless ``--fail-fast``,
which cancels the builds still running (reported as ``cancelled``). The exit code is
the worst (highest) of the targets'.

With several targets, each ``-t`` is a pattern holding ``{name}``, the pipeline's name
(``-t 'registry:5000/{name}:1.0'``); pipeline parameters come from their defaults or
``FRAMEWORK_PARAM_<NAME>`` variables; ``-o`` is refused.

``--json`` prints one object::

    {"ok": bool, "exit_code": int, "total_seconds": float,
     "targets": [{"target": str, "pipeline": str | null, "ok": bool, "exit_code": int,
                  "status": "built" | "failed" | "cancelled",
                  ...on success: "engine", "image_id", "tags", "pushed", "plan_digest",
                     "context_bytes", "steps" (as in
                     single-target `build --json`), "executed", "cached", "build_seconds";
                  ...on failure: the failure object's fields ("kind", "message", "fix",
                     "where", "stage", "step", "command", "output_tail", "left_behind")}]}
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from dataclasses import field
from typing import Any, TextIO, cast

from framework._dataclass import dataclass
from framework.cli.options import build_options
from framework.cli.targets import Pipeline, load_target, registered
from framework.errors import UsageError
from framework.failures import EXIT_BUILD_FAILED, Failure, failure_of, report_failure
from framework.outcome import BuildResult
from framework.progress import PlainProgress, Progress, SilentProgress
from framework.spec import Image

__all__ = ["DEFAULT_JOBS", "add_options", "build_many", "wants_many"]

DEFAULT_JOBS = 4
_NAME = "{name}"


def add_options(parser: argparse.ArgumentParser) -> None:
    """The ``build`` options that only several targets use."""
    parser.add_argument(
        "--all", action="store_true", help="build every registered pipeline (see `list`)"
    )
    parser.add_argument(
        "-j", "--jobs", type=int, default=DEFAULT_JOBS, metavar="N",
        help=f"with several targets: builds at once (default {DEFAULT_JOBS})",
    )  # fmt: skip
    parser.add_argument(
        "--fail-fast", action="store_true",
        help="with several targets: cancel the others when one fails",
    )  # fmt: skip


def wants_many(args: argparse.Namespace) -> bool:
    """Whether a ``build`` command line names several targets (or ``--all``); with
    exactly one target it is the ordinary build. No target at all is a usage error."""
    if args.all:
        if args.targets:
            raise UsageError("--all builds every registered pipeline; give no TARGET with it")
        return True
    if not args.targets:
        raise UsageError(
            "the following arguments are required: TARGET (or --all)",
            fix="give a pipeline file, module:function or registered name, or --all",
        )
    return len(args.targets) > 1


@dataclass
class _Outcome:
    """One target's fate."""

    target: str
    pipeline: str | None = None
    image: Image | None = None
    tags: tuple[str, ...] = ()
    result: BuildResult | None = None
    failure: Failure | None = None
    cancelled: bool = False
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.failure is not None:
            return self.failure.exit_code
        return EXIT_BUILD_FAILED if self.cancelled else 0

    def as_json(self) -> dict[str, Any]:
        status = "built" if self.result else "cancelled" if self.cancelled else "failed"
        head: dict[str, Any] = {"target": self.target, "pipeline": self.pipeline}
        if self.result is not None:
            result = self.result
            return {
                **head, "ok": True, "exit_code": 0, "status": status,
                "engine": result.engine, "image_id": result.image_id,
                "tags": list(result.tags), "pushed": list(result.pushed),
                "plan_digest": result.plan_digest, "context_bytes": result.context_bytes,
                "from_record": result.from_record,
                "steps": [step.as_json() for step in result.steps],
                "executed": len(result.executed()), "cached": len(result.cached()),
                "build_seconds": round(result.duration, 3),
            }  # fmt: skip
        failure = self.failure.as_json() if self.failure else {"ok": False}
        return {**head, **failure, "exit_code": self.exit_code, "status": status}


def build_many(args: argparse.Namespace, extra: list[str]) -> int:
    """Build every target of ``args`` (see the module docstring); the worst exit code."""
    started = time.monotonic()
    _check_usage(args, extra)
    targets = sorted(registered()) if args.all else list(args.targets)
    if not targets:
        raise UsageError(
            "--all found no registered pipelines",
            fix="register pipelines in the entry point group 'framework.pipelines'",
        )
    outcomes = [_load(target, args.tag) for target in targets]
    _refuse_shared_tags(outcomes)
    import anyio

    anyio.run(_build_all, args, outcomes)
    worst = max(outcome.exit_code for outcome in outcomes)
    built = sum(1 for outcome in outcomes if outcome.result is not None)
    print(f"==> {built} of {len(outcomes)} targets built", file=sys.stderr)
    if args.json:
        document = {
            "ok": worst == 0,
            "exit_code": worst,
            "total_seconds": round(time.monotonic() - started, 3),
            "targets": [outcome.as_json() for outcome in outcomes],
        }
        print(json.dumps(document, indent=2))
    return worst


def _check_usage(args: argparse.Namespace, extra: list[str]) -> None:
    if extra:
        raise UsageError(
            f"unrecognised arguments with several targets: {' '.join(extra)}",
            fix="give every TARGET before the options; set pipeline parameters with "
            "FRAMEWORK_PARAM_<NAME> variables when building several targets",
        )
    if args.output:
        raise UsageError("-o writes one image's archive; it takes a single TARGET")
    if args.jobs < 1:
        raise UsageError(
            f"--jobs {args.jobs}: at least one build must run", fix="give -j 1 or more"
        )
    for pattern in args.tag:
        if _NAME not in pattern:
            raise UsageError(
                f"-t {pattern}: with several targets, each tag must contain {_NAME}",
                fix="e.g. -t 'myapp-{name}:latest' ({name} is each pipeline's name)",
            )


def _load(target: str, patterns: list[str]) -> _Outcome:
    """Load ``target`` and make its image; a failure is kept as the target's outcome."""
    from framework.spec.references import tag_problem

    outcome = _Outcome(target)
    try:
        pipeline: Pipeline = load_target(target)
        outcome.pipeline = pipeline.name
        outcome.tags = tuple(p.replace(_NAME, pipeline.name) for p in patterns)
        for tag in outcome.tags:
            problem = tag_problem(tag)
            if problem is not None:
                raise UsageError(f"-t {tag} (for {target}): {problem}")
        outcome.image = pipeline.image(_environment_arguments(pipeline))
    except Exception as exc:
        _keep_failure(outcome, exc)
    return outcome


def _environment_arguments(pipeline: Pipeline) -> dict[str, Any]:
    from framework.cli.params import resolve_arguments

    return resolve_arguments(pipeline, {})


def _refuse_shared_tags(outcomes: list[_Outcome]) -> None:
    """Two targets whose tags coincide (the same pipeline name) would overwrite each other."""
    seen: dict[str, str] = {}
    for outcome in outcomes:
        for tag in outcome.tags:
            if tag in seen:
                raise UsageError(
                    f"targets {seen[tag]} and {outcome.target} would both be tagged {tag}",
                    fix="give the pipelines distinct names, or build them separately",
                )
            seen[tag] = outcome.target


def _keep_failure(outcome: _Outcome, exc: BaseException) -> None:
    """Record ``exc`` as the target's failure and report it on stderr; a bug (not the
    framework's error) propagates with its traceback."""
    failure = failure_of(exc)
    if failure is None:
        raise exc
    outcome.failure = failure
    print(f"[{outcome.target}] ", end="", file=sys.stderr)
    report_failure(exc, failure, annotate=False)


async def _build_all(args: argparse.Namespace, outcomes: list[_Outcome]) -> None:
    import anyio

    from framework.build import build_async

    engine = _one_engine(args.engine)
    if not isinstance(engine, str):
        try:  # probe the daemon once, not once per target at the same moment
            await anyio.to_thread.run_sync(engine.check)
        except Exception as exc:
            for outcome in outcomes:
                if outcome.image is not None:
                    _keep_failure(outcome, exc)
            return
    limiter = anyio.CapacityLimiter(args.jobs)

    async def one(outcome: _Outcome, scope: anyio.CancelScope) -> None:
        assert outcome.image is not None
        try:
            async with limiter:
                outcome.result = await build_async(
                    outcome.image,
                    tag=outcome.tags,
                    engine=engine,
                    progress=_progress(args.progress, outcome),
                    **build_options(args),
                )
        except anyio.get_cancelled_exc_class():
            outcome.cancelled = True
            raise
        except Exception as exc:
            _keep_failure(outcome, exc)
            if args.fail_fast:
                scope.cancel()

    async with anyio.create_task_group() as group:
        if args.fail_fast and any(o.failure for o in outcomes):
            for outcome in outcomes:
                outcome.cancelled = outcome.failure is None
            return
        for outcome in outcomes:
            if outcome.image is not None:
                group.start_soon(one, outcome, group.cancel_scope)


def _one_engine(name: str | None) -> Any:
    """One engine object for every build (its client and daemon probes run once);
    ``auto`` stays a name so that each build may fall back as a single build does."""
    from framework.engines.registry import AUTO, select_engine

    if name == AUTO:
        return name
    return select_engine(name)[0]


def _progress(choice: str, outcome: _Outcome) -> Progress:
    """Plain lines prefixed with the target: live tables of concurrent builds would
    overwrite each other."""
    if choice == "quiet":
        return SilentProgress()
    stream = cast(TextIO, _Prefixed(sys.stderr, f"[{outcome.target}] "))
    return PlainProgress(stream, show_output=True)


class _Prefixed(io.TextIOBase):
    """A text stream that writes each whole line to ``stream`` after ``prefix``."""

    def __init__(self, stream: TextIO, prefix: str) -> None:
        self._stream = stream
        self._prefix = prefix
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._stream.write(f"{self._prefix}{line}\n")
        return len(text)

    def flush(self) -> None:
        self._stream.flush()
