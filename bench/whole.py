"""Whole-process cases: what a person running a command waits for.

Each case runs a framework pipeline as a script (``python pipeline.py``) and through the
CLI (``python -m framework build``), and the equivalent ``DOCKER_BUILDKIT=1 docker
build``, each in a workspace of its own (its context copy, its tags), after one warm-up
build. Every repetition runs each command once, the order rotating from one repetition
to the next. "Cold" writes a new nonce into the file each side copies first after FROM,
so every later step misses the cache for that side alone; the daemon's cache is never
pruned.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import (
    DOCKER,
    PYTHON,
    ROOT,
    Images,
    Sample,
    Series,
    environment,
    output,
    run_timed,
)  # fmt: skip

EXAMPLES = ROOT / "examples"
HANDWRITTEN = ROOT / "bench" / "handwritten"
TEMPLATES = ROOT / "bench" / "pipelines"


@dataclass
class Command:
    """One side of a case: how to run it, and the directory its context lives in."""

    name: str  # "script", "cli", "docker", ...
    argv: list[str]
    app: Path
    env: dict[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    cwd: Path | None = None  # default: the context's parent

    def run(self) -> Sample:
        cwd = self.cwd or self.app.parent
        return run_timed(self.argv, env=environment(**self.env), cwd=cwd)


Results = dict[str, dict[str, Series]]  # case -> command name -> series
Breakdowns = dict[str, dict[str, float]]  # case -> phase -> median seconds

PROBE_REPS = 3
TOP_LEVEL_PHASES = (
    "import framework", "load pipeline", "compile", "hash contexts", "render",
    "daemon probe", "build call",
)  # fmt: skip


@dataclass
class Bench:
    """What the cases share: repetitions, the bench's bench.images, and what they measured."""

    reps: int
    cold_reps: int  # of the first repetitions, how many also build cold (and reinstall)
    images: Images
    results: Results = field(default_factory=dict)
    breakdowns: Breakdowns = field(default_factory=dict)


def probe(
    name: str,
    files: list[Path],
    images: Images,
    prepare: Callable[[], None] = lambda: None,
    *,
    slow: bool = False,
) -> dict[str, float]:
    """Median seconds per phase of :mod:`bench.breakdown` building ``files`` (after
    ``prepare``), ``PROBE_REPS`` times (once when ``slow``: a cold build's phases are
    dominated by the build itself)."""
    prefix = images.tag(f"probe-{name}")
    for index in range(len(files)):
        images.tag(f"probe-{name}-{index}")
    runs: list[dict[str, float]] = []
    for _ in range(1 if slow else PROBE_REPS):
        prepare()
        argv = [PYTHON, "-m", "bench.breakdown", prefix, *map(str, files)]
        started = time.perf_counter()
        phases = json.loads(output(argv, cwd=ROOT))
        whole = time.perf_counter() - started
        inside = sum(v for k, v in phases.items() if k in TOP_LEVEL_PHASES)
        phases["rest: interpreter start and exit, unmeasured"] = whole - inside
        phases["the probe process, whole (timed from outside)"] = whole
        runs.append(phases)
    return {phase: statistics.median(r[phase] for r in runs) for phase in runs[0]}


def _record(results: Results, case: str, command: Command, sample: Sample) -> None:
    results.setdefault(case, {}).setdefault(command.name, Series()).samples.append(sample)


def _rotated(commands: list[Command], rep: int) -> list[Command]:
    shift = rep % len(commands)
    return commands[shift:] + commands[:shift]


def _nonce(command: Command) -> None:
    (command.app / "nonce.txt").unlink(missing_ok=True)
    (command.app / "nonce.txt").write_text(f"{command.name} {uuid.uuid4().hex}\n")


def append_line(path: Path, text: str) -> None:
    """Append a line to ``path`` by writing a new file (``path`` may be a hard link)."""
    content = path.read_text() + text + "\n"
    path.unlink()
    path.write_text(content)


def linked_copy(source: Path, target: Path) -> None:
    """A copy of ``source`` whose files are hard links: the 20,000-file context is
    written once. Files a case edits are replaced (written anew), never appended to in
    place, so the copies stay apart."""
    shutil.copytree(source, target, copy_function=_link_or_copy)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def framework_commands(
    work: Path, template: str, example: Path | None, images: Images, name: str
) -> list[Command]:
    """The script and CLI sides of a case: each its own copy of the pipeline file and of
    its context (``app``) under ``work/<side>``, each its own tag."""
    commands = []
    for side in ("script", "cli"):
        home = work / side
        home.mkdir(parents=True)
        pipeline = home / f"{template}.py"
        shutil.copy(TEMPLATES / f"{template}.py", pipeline)
        if example is not None:
            linked_copy(example, home / "app")
        tag = images.tag(f"{name}-{side}")
        argv = (
            [PYTHON, str(pipeline)]
            if side == "script"
            else [PYTHON, "-m", "framework", "build", str(pipeline), "-t", tag, "--progress=plain"]
        )
        commands.append(Command(side, argv, home / "app", {"BENCH_TAG": tag}, (tag,)))
    return commands


def docker_command(
    work: Path, dockerfile: Path, example: Path | None, images: Images, name: str
) -> Command:
    """``DOCKER_BUILDKIT=1 docker build`` of ``dockerfile`` over a copy of ``example``."""
    home = work / name
    home.mkdir(parents=True)
    if example is not None:
        linked_copy(example, home / "app")
    tag = images.tag(f"{name}")
    argv = [
        DOCKER,
        "build",
        "--progress=plain",
        "-f",
        str(dockerfile),
        "-t",
        tag,
        str(home / "app"),
    ]
    return Command("docker", argv, home / "app", tags=(tag,))


def flask(bench: Bench, work: Path) -> None:
    """Cold, no-op, one-file change (app.py), requirements change."""
    commands = framework_commands(
        work, "flask_bench", EXAMPLES / "flask_app", bench.images, "flask"
    )
    commands.append(
        docker_command(work, HANDWRITTEN / "flask" / "Dockerfile", EXAMPLES / "flask_app",
                       bench.images, "flask-docker")
    )  # fmt: skip
    for command in commands:  # warm-up: base layers, pip's download cache mount
        _nonce(command)
        command.run()
    for rep in range(bench.reps):
        cold = rep < bench.cold_reps
        for command in _rotated(commands, rep):
            if cold:
                _nonce(command)
                _record(bench.results, "flask cold", command, command.run())
                bench.images.remember(*command.tags)
            _record(bench.results, "flask no-op", command, command.run())
            append_line(command.app / "app.py", f"# change {rep}")
            _record(bench.results, "flask one-file change", command, command.run())
            bench.images.remember(*command.tags)
            if cold:
                append_line(command.app / "requirements.txt", f"# change {rep}")
                _record(bench.results, "flask requirements change", command, command.run())
                bench.images.remember(*command.tags)
    script = commands[0]
    files = [script.app.parent / "flask_bench.py"]
    bench.breakdowns["flask cold"] = probe(
        "flask", files, bench.images, lambda: _nonce(script), slow=True
    )
    bench.breakdowns["flask no-op"] = probe("flask", files, bench.images)
    edit = script.app / "app.py"
    bench.breakdowns["flask one-file change"] = probe(
        "flask", files, bench.images, lambda: append_line(edit, "#")
    )
    requirements = script.app / "requirements.txt"
    bench.breakdowns["flask requirements change"] = probe(
        "flask", files, bench.images, lambda: append_line(requirements, "#"), slow=True
    )


def go(bench: Bench, work: Path) -> None:
    """Multistage Go: cold and no-op."""
    commands = framework_commands(work, "go_bench", EXAMPLES / "go_app", bench.images, "go")
    commands.append(
        docker_command(work, HANDWRITTEN / "go" / "Dockerfile", EXAMPLES / "go_app",
                       bench.images, "go-docker")
    )  # fmt: skip
    for command in commands:
        _nonce(command)
        command.run()
    for rep in range(bench.reps):
        for command in _rotated(commands, rep):
            if rep < bench.cold_reps:
                _nonce(command)
                _record(bench.results, "go cold", command, command.run())
                bench.images.remember(*command.tags)
            _record(bench.results, "go no-op", command, command.run())
    script = commands[0]
    files = [script.app.parent / "go_bench.py"]
    bench.breakdowns["go cold"] = probe(
        "go", files, bench.images, lambda: _nonce(script), slow=True
    )
    bench.breakdowns["go no-op"] = probe("go", files, bench.images)


def large_context(root: Path, files: int) -> Path:
    """``root/app``: ``src`` (two files) beside ``files`` data files."""
    app = root / "app"
    (app / "src").mkdir(parents=True)
    (app / "src" / "main.py").write_text("print('hello')\n")
    (app / "src" / "util.py").write_text("X = 1\n")
    for i in range(files):
        directory = app / "data" / f"d{i // 1000:02d}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"f{i:05d}.txt").write_text(f"file {i}\n" * 8)
    return app


def big(bench: Bench, work: Path, files: int) -> None:
    """No-op rebuild over a context of ``files`` files, of which the image copies two:
    against docker build with a .dockerignore sending only ``src``, and without one."""
    source = large_context(work / "source", files)
    commands = framework_commands(work, "big_context", source, bench.images, "big")
    dockerfile = HANDWRITTEN / "big" / "Dockerfile"
    ignored = docker_command(work, dockerfile, source, bench.images, "big-docker")
    (ignored.app / ".dockerignore").write_text("*\n!src\n")
    plain = docker_command(work, dockerfile, source, bench.images, "big-docker-plain")
    plain.name = "docker without .dockerignore"
    commands += [ignored, plain]
    for command in commands:
        command.run()
    for rep in range(bench.reps):
        for command in _rotated(commands, rep):
            _record(bench.results, "large context no-op", command, command.run())
    pipeline = commands[0].app.parent / "big_context.py"
    bench.breakdowns["large context no-op"] = probe("big", [pipeline], bench.images)


def many_pipelines(root: Path, count: int) -> list[Path]:
    """``count`` small distinct pipeline files sharing a base stage, with their Dockerfiles
    (``render -o``) beside them in ``root/dockerfiles/<name>``."""
    from framework.cli.main import main as framework_cli

    root.mkdir(parents=True)
    files = []
    for i in range(count):
        name = f"p{i:02d}"
        path = root / f"{name}.py"
        path.write_text(
            "from framework import Image, Inline\n\n\n"
            f"def {name}() -> Image:\n"
            '    base = Image.from_("debian:bookworm-slim").run(\n'
            '        ["sh", "-c", "echo shared base > /base.txt"]\n'
            '    ).named("base")\n'
            f'    return Image.from_(base).copy(Inline("pipeline {i}\\n"), "/which.txt")\n'
        )
        with contextlib.redirect_stdout(io.StringIO()):
            code = framework_cli(["render", str(path), "-o", str(root / "dockerfiles" / name)])
        if code != 0:
            raise SystemExit(f"render -o {path} failed ({code})")
        files.append(path)
    return files


def fifty(bench: Bench, work: Path, count: int) -> None:
    """No-op: ``count`` pipelines from one CLI command vs ``count`` docker builds, one
    after another, from one shell loop."""
    files = many_pipelines(work / "many", count)
    for path in files:
        bench.images.tag(f"many-cli-{path.stem}")
        bench.images.tag(f"many-docker-{path.stem}")
    cli = Command(
        "cli",
        [PYTHON, "-m", "framework", "build", *map(str, files), "-t", "bench-many-cli-{name}",
         "--progress=plain"],
        work / "many",
    )  # fmt: skip
    loop = (
        "set -e; for d in */; do n=${d%/}; "
        f"{DOCKER} build --progress=plain -t bench-many-docker-$n $d; done"
    )
    dockerfiles = work / "many" / "dockerfiles"
    docker = Command("docker", ["bash", "-c", loop], dockerfiles, cwd=dockerfiles)
    commands = [cli, docker]
    for command in commands:
        command.run()
    for rep in range(bench.reps):
        for command in _rotated(commands, rep):
            _record(bench.results, "many pipelines no-op", command, command.run())
    bench.breakdowns["many pipelines no-op"] = probe("many", files, bench.images, slow=True)


def interpreter(bench: Bench) -> None:
    """``python -c pass``, ``python -c "import framework"``, the 2,000-step chain
    described, compiled and rendered as a process, and ``docker version`` (the docker
    client's start and one daemon round trip)."""
    commands = [
        Command(
            "docker version", [DOCKER, "version", "--format", "{{.Server.Version}}"], ROOT / "bench"
        ),
        Command("python -c pass", [PYTHON, "-c", "pass"], ROOT / "bench"),
        Command("import framework", [PYTHON, "-c", "import framework"], ROOT / "bench"),
        Command("chain", [PYTHON, str(TEMPLATES / "chain.py")], ROOT / "bench"),
    ]
    for command in commands:
        command.run()
    for rep in range(bench.reps):
        for command in _rotated(commands, rep):
            _record(bench.results, "interpreter", command, command.run())
    runs = [json.loads(output([PYTHON, "-m", "bench.breakdown", "--chain"], cwd=ROOT))
            for _ in range(PROBE_REPS)]  # fmt: skip
    bench.breakdowns["chain"] = {
        phase: statistics.median(r[phase] for r in runs) for phase in runs[0]
    }


def import_time(reps: int) -> tuple[float, list[tuple[str, float]]]:
    """``python -X importtime -c "import framework"``: the median cumulative seconds of
    ``framework``, and the framework's modules with the largest self time (one run)."""
    totals: list[float] = []
    top: list[tuple[str, float]] = []
    for _ in range(reps):
        done = output_stderr([PYTHON, "-X", "importtime", "-c", "import framework"])
        rows = []
        for line in done.splitlines():
            if not line.startswith("import time:") or "|" not in line:
                continue
            parts = [p.strip() for p in line[len("import time:") :].split("|")]
            if not parts[0].isdigit():
                continue
            rows.append((parts[2], int(parts[0]) / 1e6, int(parts[1]) / 1e6))
        totals.append(next(cum for name, _, cum in rows if name == "framework"))
        top = sorted(((n.strip(), s) for n, s, _ in rows), key=lambda r: -r[1])[:8]
    totals.sort()
    return totals[len(totals) // 2], top


def output_stderr(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=True, env=environment())
    return done.stderr
