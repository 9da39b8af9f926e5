"""``python -m framework``: build, plan, explain, render, graph, list, images.

A pipeline of small steps (parse -> load target -> resolve parameters -> act -> report),
each a function. Exit codes (:mod:`framework.failures`): 0 success, 1 build (or image
store, or output) failed, 2 usage error (including a bad pipeline parameter value),
3 invalid spec (including a pipeline that fails to load or raises), 4 engine
unavailable, 130 interrupted, 143 terminated (SIGTERM). With ``--json``, stdout holds
exactly one JSON document on every path: the command's own on success, a failure
object (``"ok": false``) otherwise.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shlex
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from framework.cli import build_many
from framework.cli import explain as explain_command
from framework.cli import lint as lint_command
from framework.cli import size as size_command
from framework.cli.import_ import add_import_parser, run_import
from framework.cli.options import build_options
from framework.cli.params import resolve_arguments
from framework.cli.targets import Pipeline, load_target, registered
from framework.errors import EngineUnavailable, SpecError, UsageError
from framework.failures import (
    EXIT_BUILD_FAILED,
    EXIT_ENGINE,
    EXIT_SPEC,
    EXIT_USAGE,
    Failure,
    failure_of,
    internal_failure,
    report_failure,
)
from framework.plan import compile, describe_step
from framework.progress import (
    GitHubProgress,
    LiveProgress,
    PlainProgress,
    Progress,
    RecordingProgress,
    SilentProgress,
    default_progress,
)
from framework.signals import sigterm_as_interrupt
from framework.spec import Context
from framework.spec.references import cache_source_problem, tag_problem
from framework.teardown import skip_exit_collections

if TYPE_CHECKING:
    from framework.plan import BuildPlan

__all__ = ["EXIT_BUILD_FAILED", "EXIT_ENGINE", "EXIT_SPEC", "EXIT_USAGE", "main"]


def _columns() -> int:
    """``$COLUMNS``, else the terminal's width, else 80 (as ``shutil.get_terminal_size``)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors raised as :class:`UsageError` so that they are
    reported (and, with ``--json``, summarised) like every other failure."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The terminal's width given as argparse would find it: argparse itself imports
        # shutil (and with it bz2 and lzma) for it, once per argument added.
        formatter = kwargs.get("formatter_class", argparse.HelpFormatter)
        kwargs["formatter_class"] = functools.partial(formatter, width=_columns() - 2)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: {message}", fix=f"see {self.prog} --help")


class _EngineNames:
    """``--engine``'s choices, read from the engine registry only when argparse checks a
    value or shows help: a command that names no engine does not import the engines."""

    def __contains__(self, name: object) -> bool:
        from framework.engines.registry import engine_names

        return name in engine_names()

    def __iter__(self) -> Iterator[str]:
        from framework.engines.registry import engine_names

        return iter(engine_names())


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m framework",
        description="Describe container images as Python objects; build them with BuildKit.",
        epilog="TARGET: path/to/pipeline.py[:function], package.module:function, "
        "or a registered pipeline name (see `list`). Pipeline parameters are options "
        "after TARGET (see `build TARGET --help`), or FRAMEWORK_PARAM_<NAME> variables.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build a pipeline's image")
    build.add_argument("targets", metavar="TARGET", nargs="*", help="one or more")
    build_many.add_options(build)
    build.add_argument("-t", "--tag", action="append", default=[], help="tag (repeatable)")
    build.add_argument("--push", action="store_true", help="push the tags to their registry")
    build.add_argument("-o", "--output", metavar="ARCHIVE", help="also write a tar archive")
    build.add_argument(
        "--engine", choices=_EngineNames(), metavar="ENGINE",
        help="%(choices)s (default: docker)",
    )  # fmt: skip
    build.add_argument(
        "--platform", metavar="P[,P...]",
        help="target platform(s), e.g. linux/arm64 or linux/amd64,linux/arm64 (one "
        "multi-platform image: needs -t, and --push on a classic image store)",
    )  # fmt: skip
    build.add_argument("--cache-from", action="append", default=[], metavar="REF")
    build.add_argument("--cache-to", action="append", default=[], metavar="REF")
    build.add_argument(
        "--attest", action="append", default=[], choices=["provenance", "sbom"],
        help="attach an attestation (repeatable; none by default, so ids stay stable)",
    )  # fmt: skip
    build.add_argument(
        "--no-cache", action="store_true",
        help="build every step again: skip the build record and BuildKit's cache",
    )  # fmt: skip
    build.add_argument(
        "--pull", action="store_true",
        help="ask the registry for every base image again instead of using the local copy",
    )  # fmt: skip
    build.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    build.add_argument(
        "--lint", default="warn", choices=["off", "warn", "error"],
        help="lint first: warn (default) prints findings, error fails the build on them",
    )  # fmt: skip
    build.add_argument(
        "--progress", default="auto", choices=["auto", "plain", "tty", "quiet"],
        help="auto: GitHub groups on Actions, live on a terminal, plain lines otherwise",
    )  # fmt: skip

    explain_command.add_parser(commands)

    plan = commands.add_parser("plan", help="the stages and steps that would run, with digests")
    plan.add_argument("target", metavar="TARGET")
    plan.add_argument("--json", action="store_true")

    rendered = commands.add_parser("render", help="the equivalent Dockerfile")
    rendered.add_argument("target", metavar="TARGET")
    rendered.add_argument(
        "-o", "--output", metavar="DIR",
        help="write DIR/Dockerfile with the files it copies, ready for `docker build DIR`",
    )  # fmt: skip

    graph = commands.add_parser("graph", help="the stage graph")
    graph.add_argument("target", metavar="TARGET")
    graph.add_argument("--format", default="mermaid", choices=["mermaid", "dot", "svg", "png"])
    graph.add_argument("-o", "--output", metavar="FILE", help="write to FILE (svg/png need it)")

    lint_command.add_parser(commands)
    size_command.add_parser(commands)

    listing = commands.add_parser("list", help="registered pipelines and their parameters")
    listing.add_argument("--json", action="store_true")

    add_import_parser(commands)

    images = commands.add_parser("images", help="the local image store")
    ops = images.add_subparsers(dest="operation", required=True, metavar="OPERATION")
    ls = ops.add_parser("ls", help="list images")
    ls.add_argument("--json", action="store_true")
    pull = ops.add_parser("pull", help="pull an image (honours FRAMEWORK_REGISTRY_MIRROR)")
    pull.add_argument("reference")
    pull.add_argument("--mirror", help="registry to pull through, e.g. 127.0.0.1:5000")
    tag = ops.add_parser("tag", help="give an image another name")
    tag.add_argument("source")
    tag.add_argument("target")
    rm = ops.add_parser("rm", help="remove an image name")
    rm.add_argument("reference")
    rm.add_argument("-f", "--force", action="store_true")
    return parser


_TARGET_COMMANDS = {"build", "plan", "render", "graph", "explain", "lint", "size"}


class _Run:
    """What one command run has shown so far, for reporting its failure."""

    def __init__(self) -> None:
        self.progress: RecordingProgress | None = None

    def steps(self) -> list[dict[str, Any]]:
        reports = self.progress.reports if self.progress else []
        return [report.as_json() for report in reports]

    def step_annotated(self) -> bool:
        """Whether the progress display already annotated the failing step on GitHub."""
        shown = self.progress.shown if self.progress else None
        return isinstance(shown, GitHubProgress) and shown.annotated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code. A failure is printed on stderr
    (:func:`framework.failures.report_failure`); with ``--json`` also as one JSON object
    on stdout."""
    words = list(sys.argv[1:] if argv is None else argv)
    skip_exit_collections()
    run = _Run()
    try:
        # For the whole command, not only the build: a SIGTERM while the pipeline loads
        # or compiles must end as Terminated (143, reported, --json) too.
        with sigterm_as_interrupt():
            return _command(words, run)
    except (Exception, KeyboardInterrupt) as exc:
        failure = failure_of(exc)
        if failure is None:  # a bug: its traceback is the report, but stdout stays JSON
            if "--json" in words:
                _print_failure_json(internal_failure(exc), run)
            raise
        report_failure(exc, failure, annotate=not run.step_annotated())
        if "--json" in words:
            _print_failure_json(failure, run)
        return failure.exit_code


def _print_failure_json(failure: Failure, run: _Run) -> None:
    print(json.dumps({**failure.as_json(), "steps": run.steps()}, indent=2), flush=True)


def _command(words: list[str], run: _Run) -> int:
    if _asks_pipeline_help(words):
        return _pipeline_help(words)
    args, extra = _parser().parse_known_args(words)
    if args.command == "images":
        _refuse_extra(extra)
        return _images(args)
    if args.command == "list":
        _refuse_extra(extra)
        return _list(args)
    if args.command == "import":
        _refuse_extra(extra)
        return run_import(args)
    if args.command == "build":
        if build_many.wants_many(args):
            return build_many.build_many(args, extra)
        args.target = args.targets[0]
        _check_references(args)
    if args.command == "size" and size_command.names_an_image(args.target):
        _refuse_extra(extra)
        return size_command.run_image(args)
    pipeline = load_target(args.target)
    arguments = _pipeline_arguments(pipeline, extra)
    image = pipeline.image(arguments)
    if args.command == "build":
        return _build(args, pipeline, image, run)
    if args.command == "explain":
        return explain_command.run(args, image)
    if args.command == "lint":
        return lint_command.run(args, pipeline.name, image)
    if args.command == "size":
        return size_command.run_pipeline(args, pipeline.name, image)
    plan = compile(image)
    if args.command == "plan":
        return _plan(args, plan)
    if args.command == "render":
        return _render(args, plan)
    return _graph(args, plan)


def _refuse_extra(extra: list[str]) -> None:
    if extra:
        raise UsageError(f"unrecognised arguments: {' '.join(extra)}", fix="see --help")


def _check_references(args: argparse.Namespace) -> None:
    """Refuse a malformed ``-t``/``--cache-to``/``--cache-from`` before loading anything."""
    for option, references in (("-t", args.tag), ("--cache-to", args.cache_to)):
        for reference in references:
            problem = tag_problem(reference)
            if problem is not None:
                raise UsageError(
                    f"{option}: {problem}", fix="give a tag like name:1.0 or registry:5000/name:tag"
                )
    for reference in args.cache_from:
        problem = cache_source_problem(reference)
        if problem is not None:
            raise UsageError(
                f"--cache-from: {problem}", fix="give a reference like registry:5000/name:cache"
            )


def _asks_pipeline_help(words: list[str]) -> bool:
    """Whether the words ask for ``COMMAND TARGET --help``: the pipeline's parameters."""
    return (
        len(words) >= 3
        and words[0] in _TARGET_COMMANDS
        and not words[1].startswith("-")
        and any(w in {"-h", "--help"} for w in words[2:])
    )


def _pipeline_help(words: list[str]) -> int:
    pipeline = load_target(words[1])
    _parameter_parser(pipeline).print_help()
    print(f"\n(options of `{words[0]}` itself: python -m framework {words[0]} --help)")
    return 0


def _parameter_parser(pipeline: Pipeline) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=f"python -m framework COMMAND {pipeline.source}",
        description=f"parameters of the pipeline {pipeline.name!r}",
        add_help=False,
    )
    for parameter in pipeline.parameters():
        default = "required" if parameter.required else f"default {_shown(parameter.default)}"
        parser.add_argument(
            parameter.option,
            dest=parameter.name,
            metavar=parameter.type_name().upper(),
            help=f"{parameter.type_name()}, {default}; or set {parameter.env}",
        )
    return parser


def _shown(value: Any) -> str:
    """A default as a person would type it (a context as its directory)."""
    return str(value.path) if isinstance(value, Context) else repr(value)


def _pipeline_arguments(pipeline: Pipeline, extra: list[str]) -> dict[str, Any]:
    parameters = pipeline.parameters()
    if not parameters and not extra:
        return {}
    namespace, unknown = _parameter_parser(pipeline).parse_known_args(extra)
    if unknown:
        known = ", ".join(p.option for p in parameters) or "none"
        raise UsageError(
            f"unknown option(s) {' '.join(unknown)} for pipeline {pipeline.name!r}; "
            f"its parameters are: {known}",
            fix=f"see python -m framework build {pipeline.source} --help",
        )
    return resolve_arguments(pipeline, vars(namespace))


def _progress(choice: str, as_json: bool) -> Progress:
    if choice == "quiet":
        return SilentProgress()
    if choice == "plain":
        return PlainProgress()
    if choice == "tty":
        return LiveProgress()
    progress = default_progress()
    if as_json and isinstance(progress, LiveProgress):
        return PlainProgress()
    return progress


def _build(args: argparse.Namespace, pipeline: Pipeline, image: Any, run: _Run) -> int:
    from framework.build import build  # engines load only to build

    started = time.monotonic()
    run.progress = RecordingProgress(_progress(args.progress, args.json))
    result = build(
        image,
        tag=args.tag,
        engine=args.engine,
        progress=run.progress,
        archive=args.output,
        **build_options(args),
    )
    if args.json:
        summary = {
            "ok": True,
            "exit_code": 0,
            "pipeline": pipeline.name,
            "engine": result.engine,
            "image_id": result.image_id,
            "tags": list(result.tags),
            "pushed": list(result.pushed),
            "archive": result.archive,
            "from_record": result.from_record,
            "plan_digest": result.plan_digest,
            "context_bytes": result.context_bytes,
            "steps": [step.as_json() for step in result.steps],
            "executed": len(result.executed()),
            "cached": len(result.cached()),
            "build_seconds": round(result.duration, 3),
            "total_seconds": round(time.monotonic() - started, 3),
        }
        print(json.dumps(summary, indent=2))
    return 0


def _plan(args: argparse.Namespace, plan: BuildPlan) -> int:
    if args.json:
        document = {
            "ok": True,
            "digest": plan.digest,
            "target": plan.target.name,
            "stages": [
                {
                    "name": stage.name,
                    "id": stage.id,
                    "digest": plan.stage_digest(stage.id),
                    "base": stage.base,
                    "platform": stage.platform,
                    "base_stage": None
                    if stage.base_stage is None
                    else plan.stage(stage.base_stage).name,
                    "depends_on": [plan.stage(d).name for d in stage.depends_on],
                    "steps": [describe_step(plan, step) for step in stage.steps],
                    "step_digests": list(plan.step_digests[stage.id][1:]),
                }
                for stage in plan.stages
            ],
        }
        print(json.dumps(document, indent=2))
        return 0
    for stage in plan.stages:
        base = stage.base or (plan.stage(stage.base_stage).name if stage.base_stage else "scratch")
        marker = "  (target)" if stage is plan.target else ""
        print(f"stage {stage.name}  {plan.stage_digest(stage.id)}{marker}")
        flag = "" if stage.platform is None else f"--platform={stage.platform} "
        print(f"  FROM {flag}{base}")
        for number, step in enumerate(stage.steps, start=1):
            print(f"  {number:>2}. {describe_step(plan, step)}")
    return 0


def _render(args: argparse.Namespace, plan: BuildPlan) -> int:
    from framework.render import render

    rendered = render(plan)
    if args.output is None:
        sys.stdout.write(rendered.dockerfile)
        if rendered.build_args or rendered.context:
            print(
                "# note: this Dockerfile copies prepared files and may need build args; "
                "use `render TARGET -o DIR` to write them next to it",
                file=sys.stderr,
            )
        return 0
    from framework.engines.staging import stage_context

    out = Path(args.output)
    if out.exists() and any(out.iterdir()):
        raise SpecError(f"{out} is not empty", fix="choose a new or empty directory")
    stage_context(rendered.context, out, link=False)
    (out / "Dockerfile").write_text(rendered.dockerfile, encoding="utf-8")
    build_args = "".join(f" --build-arg {name}" for name, _ in rendered.build_args)
    build_args += "".join(f' --build-arg {name}="$(date +%s%N)"' for name in rendered.fresh_args)
    build_args += "".join(
        f" --secret id={s.id},{'src' if s.source == 'file' else 'env'}={s.name}"
        for s in plan.secrets()
    )
    build_args += "".join(f" --label {_shell_word(f'{k}={v}')}" for k, v in rendered.labels)
    if rendered.build_args:
        (out / "build-args.json").write_text(json.dumps(dict(rendered.build_args), indent=2))
    print(f"wrote {out}/Dockerfile and {len(rendered.context)} context entries")
    command, note = _build_command()
    print(f"build it: {command}{build_args} {shlex.quote(str(out))}")
    if note:
        print(f"  ({note})")
    if rendered.build_args:
        print(f"  (export the values in {out}/build-args.json as environment variables first)")
    return 0


def _build_command() -> tuple[str, str | None]:
    """The build command of the client the docker engine would use, and a note when
    there is none here (the command then names a generic client)."""
    from framework.engines.docker.client import find_client

    try:
        client = find_client()
    except EngineUnavailable as exc:
        note = f"no BuildKit-capable docker client found here: {exc.problem}"
        return "DOCKER_BUILDKIT=1 docker build", note
    prefix = "DOCKER_BUILDKIT=1 " if client.mode == "native" else ""
    return prefix + shlex.join(client.build_command()), None


def _shell_word(text: str) -> str:
    """``text`` as one word for bash: ``$'...'`` when it holds control characters."""
    if text.isprintable():
        return shlex.quote(text)
    escaped = "".join(
        c if c.isprintable() and c not in "\\'" else f"\\x{ord(c):02x}" if ord(c) < 256
        else f"\\u{ord(c):04x}" for c in text
    )  # fmt: skip
    return f"$'{escaped}'"


def _graph(args: argparse.Namespace, plan: BuildPlan) -> int:
    import shutil
    import subprocess

    from framework.render.graph import to_dot, to_mermaid

    text = to_mermaid(plan) if args.format == "mermaid" else to_dot(plan)
    if args.format in {"mermaid", "dot"}:
        if args.output:
            Path(args.output).write_text(text)
        else:
            sys.stdout.write(text)
        return 0
    dot = shutil.which("dot")
    if dot is None:
        raise SpecError(
            f"--format {args.format} needs Graphviz's `dot`, which is not installed",
            fix="install graphviz (apt-get install graphviz), or use --format dot/mermaid",
        )
    if not args.output:
        raise SpecError(f"--format {args.format} writes a file", fix="give -o FILE")
    done = subprocess.run(
        [dot, f"-T{args.format}", "-o", args.output],
        input=text, text=True, capture_output=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        print(f"error: Graphviz failed: {done.stderr.strip()}", file=sys.stderr)
        return EXIT_BUILD_FAILED
    print(f"wrote {args.output}")
    return 0


def _list(args: argparse.Namespace) -> int:
    found: list[dict[str, Any]] = []
    for name, value in sorted(registered().items()):
        entry: dict[str, Any] = {"name": name, "target": value}
        try:
            pipeline = load_target(name)
            entry["parameters"] = [
                {
                    "name": p.name,
                    "type": p.type_name(),
                    "required": p.required,
                    "default": None if p.required else _shown(p.default),
                    "option": p.option,
                    "env": p.env,
                }
                for p in pipeline.parameters()
            ]
        except SpecError as exc:
            entry["error"] = exc.problem
        found.append(entry)
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    if not found:
        print("no pipelines registered (entry point group 'framework.pipelines')")
    for entry in found:
        print(f"{entry['name']}  ({entry['target']})")
        if "error" in entry:
            print(f"    cannot load: {entry['error']}")
        for p in entry.get("parameters", []):
            default = "required" if p["required"] else f"default {p['default']}"
            print(f"    {p['option']} {p['type']}  ({default}; env {p['env']})")
    return 0


def _images(args: argparse.Namespace) -> int:
    from framework import images

    if args.operation == "ls":
        rows = images.list_images()
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            print(f"{'REPOSITORY':40} {'TAG':20} {'IMAGE ID':14} {'SIZE':>10}")
            for row in rows:
                print(f"{row['repository']:40} {row['tag']:20} {row['id']:14} {row['size']:>10}")
    elif args.operation == "pull":
        print(images.pull(args.reference, mirror=args.mirror))
    elif args.operation == "tag":
        images.tag(args.source, args.target)
    else:
        images.remove(args.reference, force=args.force)
    return 0
