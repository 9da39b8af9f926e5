"""Benchmarks: the framework against the equivalent hand-written Dockerfile, same engine.

``nox -s bench`` runs every case with repetitions after a warm-up and writes
``BENCHMARKS.md`` (and ``bench/results/latest.json``) from the run. Run from the
repository root as ``python -m bench.run``. ``--smoke`` runs one
repetition of each case and writes nothing but the JSON, to prove the harness works.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from framework import (
    Context,
    DockerEngine,
    Image,
    Inline,
    SilentProgress,
    build,
    compile,
    render,
)
from framework.engines.docker import find_client
from framework.images import image_size
from pipelines.flask_app import flask_app
from pipelines.go_app import go_app

ROOT = Path(__file__).resolve().parent.parent
HANDWRITTEN = ROOT / "bench" / "handwritten"
EXAMPLES = ROOT / "examples"
_SENT = re.compile(r"transferring context: ([\d.]+)([kMG]?B)")
_UNITS = {"B": 1, "kB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000}


@dataclass
class Row:
    case: str
    framework: list[float] = field(default_factory=list)
    handwritten: list[float] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)

    def medians(self) -> tuple[float, float, float]:
        fw, hw = statistics.median(self.framework), statistics.median(self.handwritten)
        return fw, hw, fw / hw


class Docker:
    def __init__(self) -> None:
        self.path = find_client().path

    def __call__(self, *args: str) -> str:
        return subprocess.run([self.path, *args], capture_output=True, text=True, check=True).stdout

    def build(self, dockerfile: Path, context: Path, tag: str) -> tuple[float, int]:
        """Hand-written build: seconds, and context bytes sent."""
        env = {**os.environ, "DOCKER_BUILDKIT": "1"}
        argv = [self.path, "build", "--progress=plain", "-f", str(dockerfile), "-t", tag]
        started = time.perf_counter()
        result = subprocess.run(
            [*argv, str(context)], capture_output=True, text=True, env=env, check=False
        )
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"hand-written build failed:\n{result.stderr[-3000:]}")
        return elapsed, _context_sent(result.stderr)

    def prune(self) -> None:
        self("builder", "prune", "-af")


def _context_sent(log: str) -> int:
    """Bytes the "[internal] load build context" vertex reports as transferred."""
    total = 0
    current = ""
    for line in log.splitlines():
        if "[internal] load build context" in line:
            current = line.split()[0]
        elif current and line.startswith(current + " "):
            match = _SENT.search(line)
            if match:
                total = round(float(match[1]) * _UNITS[match[2]])
    return total


ENGINE = DockerEngine()  # one engine object: its client and daemon probes run once


def fw_build(image: Image, tag: str) -> tuple[float, int]:
    started = time.perf_counter()
    result = build(image, tag=tag, engine=ENGINE, progress=SilentProgress())
    return time.perf_counter() - started, result.context_bytes or 0


def _record(row: Row, which: int, seconds: float) -> None:
    (row.framework if which == 0 else row.handwritten).append(seconds)


def _copy_example(name: str, into: Path) -> Path:
    target = into / name
    shutil.copytree(EXAMPLES / name, target)
    return target


def _touch_line(path: Path, text: str) -> None:
    with path.open("a") as handle:
        handle.write(text + "\n")


def bench_flask(docker: Docker, reps: int, work: Path) -> list[Row]:
    fw_dir = _copy_example("flask_app", work / "fw")
    hw_dir = _copy_example("flask_app", work / "hw")
    dockerfile = HANDWRITTEN / "flask" / "Dockerfile"
    rows = [Row("1. Flask cold build"), Row("2. Flask no-op rebuild"),
            Row("3. Flask rebuild after app.py change"),
            Row("4. Flask rebuild after requirements.txt change")]  # fmt: skip

    def fw() -> float:
        return fw_build(flask_app(Context(fw_dir)), "bench-flask-fw")[0]

    def hw() -> float:
        return docker.build(dockerfile, hw_dir, "bench-flask-hw")[0]

    fw(), hw()  # warm-up: base image layers and pip's download cache are warm
    for i in range(reps):
        for times, build_once, app in ((0, fw, fw_dir), (1, hw, hw_dir)):
            docker.prune()  # an empty build cache for this variant's cold build
            _record(rows[0], times, build_once())
            _record(rows[1], times, build_once())
            _touch_line(app / "app.py", f"# change {i}")
            _record(rows[2], times, build_once())
            _touch_line(app / "requirements.txt", f"# change {i}")
            _record(rows[3], times, build_once())
    fw_size, hw_size = image_size("bench-flask-fw"), image_size("bench-flask-hw")
    rows[0].notes.update(framework_image_bytes=fw_size, handwritten_image_bytes=hw_size)
    return rows


def bench_go(docker: Docker, reps: int, work: Path) -> list[Row]:
    fw_dir = _copy_example("go_app", work / "fw")
    hw_dir = _copy_example("go_app", work / "hw")
    dockerfile = HANDWRITTEN / "go" / "Dockerfile"
    cold, noop = Row("5a. Go multistage cold build"), Row("5b. Go multistage no-op rebuild")

    def fw() -> float:
        return fw_build(go_app(Context(fw_dir)), "bench-go-fw")[0]

    def hw() -> float:
        return docker.build(dockerfile, hw_dir, "bench-go-hw")[0]

    fw(), hw()
    for _ in range(reps):
        for times, build_once in ((0, fw), (1, hw)):
            docker.prune()
            _record(cold, times, build_once())
            _record(noop, times, build_once())
    cold.notes.update(
        framework_image_bytes=image_size("bench-go-fw"),
        handwritten_image_bytes=image_size("bench-go-hw"),
    )
    return [cold, noop]


def _large_context(root: Path, files: int) -> Path:
    app = root / "big"
    (app / "src").mkdir(parents=True)
    (app / "src" / "main.py").write_text("print('hello')\n")
    (app / "src" / "util.py").write_text("X = 1\n")
    for i in range(files):
        directory = app / "data" / f"d{i // 1000:02d}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"f{i:05d}.txt").write_text(f"file {i}\n" * 8)
    (root / "Dockerfile").write_text(
        'FROM python:3.11-slim\nWORKDIR /app\nCOPY src src\nCMD ["python", "src/main.py"]\n'
    )
    return app


def bench_large_context(docker: Docker, reps: int, work: Path, files: int) -> list[Row]:
    app = _large_context(work, files)
    plain = work / "Dockerfile"
    ignored_ctx = work / "ignored"
    shutil.copytree(app, ignored_ctx)
    (ignored_ctx / ".dockerignore").write_text("*\n!src\n")
    image = (
        Image.from_("python:3.11-slim")
        .workdir("/app")
        .copy(Context(app) / "src", "src")
        .cmd(["python", "src/main.py"])
    )
    with_ignore = Row(f"6a. {files:,}-file context, no-op rebuild vs .dockerignore")
    without = Row(f"6b. {files:,}-file context, no-op rebuild vs no .dockerignore")
    fw_build(image, "bench-big-fw"), docker.build(plain, ignored_ctx, "bench-big-hw")
    docker.build(plain, app, "bench-big-hw2")
    sent: dict[str, int] = {}
    for _ in range(reps):
        elapsed, sent["framework"] = fw_build(image, "bench-big-fw")
        with_ignore.framework.append(elapsed)
        without.framework.append(elapsed)
        elapsed, sent["handwritten_dockerignore"] = docker.build(plain, ignored_ctx, "bench-big-hw")
        with_ignore.handwritten.append(elapsed)
        elapsed, sent["handwritten_no_dockerignore"] = docker.build(plain, app, "bench-big-hw2")
        without.handwritten.append(elapsed)
    with_ignore.notes.update(context_bytes=dict(sent))
    return [with_ignore, without]


_OVERHEAD = """
import time, resource, sys
t0 = time.perf_counter()
from framework import Image, compile, render
import pipelines.flask_app as flask
plan = compile(flask.flask_app())
render(plan)
t1 = time.perf_counter()
base = Image.from_("debian:bookworm-slim")
stages = []
for s in range(200):
    img = base if not stages else Image.from_(stages[-1])
    for k in range(10):
        img = img.env({f"S{s}_{k}": str(k)}) if k % 2 else img.run(["echo", str(s), str(k)])
    stages.append(img.named(f"s{s}"))
t2 = time.perf_counter()
big = compile(stages[-1])
render(big)
t3 = time.perf_counter()
print(t1 - t0, t3 - t2, t2 - t1, len(big.stages), sum(len(s.steps) for s in big.stages),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def bench_overhead(reps: int) -> list[Row]:
    flask, synthetic = (
        Row("7a. overhead: import + compile + render, Flask"),
        Row("7b. overhead: compile + render, 200 stages / 2,000 steps"),
    )
    for _ in range(reps):
        out = subprocess.run(
            [sys.executable, "-c", _OVERHEAD], capture_output=True, text=True, check=True,
            cwd=ROOT,
        ).stdout.split()  # fmt: skip
        flask.framework.append(float(out[0]))
        synthetic.framework.append(float(out[1]))
        synthetic.notes.update(
            describe_seconds=float(out[2]), stages=int(out[3]), steps=int(out[4]),
            peak_rss_kib=int(out[5]),
        )  # fmt: skip
    return [flask, synthetic]


def _chain(steps: int) -> Image:
    image = Image.from_("debian:bookworm-slim").workdir("/app")
    for i in range(steps):
        image = image.run(["echo", str(i)]) if i % 2 else image.env({f"V{i}": str(i)})
    return image


def _fan_in(sources: int) -> Image:
    target = Image.from_("debian:bookworm-slim").workdir("/app")
    for i in range(sources):
        source = Image.from_("debian:bookworm-slim").copy(Inline(f"{i}\n"), f"/out/{i}")
        target = target.copy(source.named(f"src{i}") / f"/out/{i}", f"data/{i}")
    return target


def bench_chaining(reps: int) -> list[Row]:
    """Describe, compile and render, in this process: chaining must stay linear."""
    cases: tuple[tuple[Row, Callable[[], Image]], ...] = (
        (Row("7c. describe + compile + render, a 2,000-step chain"), lambda: _chain(2000)),
        (Row("7d. describe + compile + render, one image copying from 200"), lambda: _fan_in(200)),
    )
    for row, describe in cases:
        describe()  # warm-up
        described: list[float] = []
        for _ in range(reps):
            started = time.perf_counter()
            image = describe()
            middle = time.perf_counter()
            plan = compile(image)
            render(plan)
            row.framework.append(time.perf_counter() - started)
            described.append(middle - started)
        row.notes.update(
            describe_seconds=round(statistics.median(described), 4),
            stages=len(plan.stages),
            steps=sum(len(stage.steps) for stage in plan.stages),
        )
    return [row for row, _ in cases]


def bench_plan_digest(reps: int, work: Path, files: int) -> list[Row]:
    """The plan's content digest of a large context: first (every file read), then a
    no-op plan in a new process (digests from the store: only directory entries read)."""
    from framework.plan.content import FileDigests
    from framework.plan.digest import step_digests

    app = _large_context(work, files)
    old = time.time() - 3600  # digests of files changed in the last seconds are not kept
    for path in app.rglob("*"):
        os.utime(path, (old, old))
    image = Image.from_("python:3.11-slim").copy(Context(app), "/app")
    store = work / "file-digests.sqlite3"
    first, noop = (
        Row(f"7e. plan digest, {files:,}-file context, first (reads every file)"),
        Row(f"7f. plan digest, {files:,}-file context, no-op (stored file digests)"),
    )
    for rep in range(reps):
        store.unlink(missing_ok=True)
        for row in (first, noop):
            started = time.perf_counter()
            step_digests(compile(image), FileDigests(store))
            if rep:  # the first repetition is the warm-up
                row.framework.append(time.perf_counter() - started)
    return [first, noop]


def write_markdown(rows: list[Row], meta: dict[str, object], target: Path) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `nox -s bench` (`bench/run.py`) from the run below; not edited by hand.",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in meta.items()],
        "",
        "Times are medians in seconds; ratio = framework ÷ hand-written Dockerfile on the",
        "same engine (`DOCKER_BUILDKIT=1 docker build`, same base images). Target: ≤ 1.05.",
        "",
        "| case | framework | hand-written | ratio | runs |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        if row.handwritten:
            fw, hw, ratio = row.medians()
            lines.append(
                f"| {row.case} | {fw:.3f} | {hw:.3f} | {ratio:.2f} | {len(row.framework)} |"
            )
        else:
            fw = statistics.median(row.framework)
            lines.append(f"| {row.case} | {fw:.3f} | - | - | {len(row.framework)} |")
    lines += ["", "## Other figures", ""]
    for row in rows:
        for key, value in row.notes.items():
            lines.append(f"- {row.case} — {key}: {value}")
    lines.append("")
    target.write_text("\n".join(lines))


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--cold-reps", type=int, default=3)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--smoke", action="store_true", help="one repetition, small context")
    parser.add_argument(
        "--chaining",
        action="store_true",
        help="only the in-process chaining cases (no daemon); print them, write nothing",
    )
    args = parser.parse_args()
    if args.chaining:
        for row in bench_chaining(args.reps):
            print(f"{row.case}: {statistics.median(row.framework):.3f}s {row.notes}")
        return 0
    if args.smoke:
        args.reps, args.cold_reps, args.files = 1, 1, 500
    docker = Docker()
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="framework-bench-") as tmp:
        work = Path(tmp)
        runners: tuple[tuple[str, Callable[[Path], list[Row]]], ...] = (
            ("flask", lambda w: bench_flask(docker, args.cold_reps, w)),
            ("go", lambda w: bench_go(docker, args.cold_reps, w)),
            ("large", lambda w: bench_large_context(docker, args.reps, w, args.files)),
            ("digest", lambda w: bench_plan_digest(args.reps + 1, w, args.files)),
        )
        for name, runner in runners:
            (work / name).mkdir()
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            rows += runner(work / name)
    rows += bench_overhead(args.reps)
    rows += bench_chaining(args.reps)
    meta: dict[str, object] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "docker": docker(
            "version", "--format", "client {{.Client.Version}}, daemon {{.Server.Version}}"
        ).strip(),
        "repetitions": f"{args.reps} (cold builds: {args.cold_reps}), after one warm-up",
        "bench process peak RSS": f"{_peak_rss_mib():.0f} MiB",
        "total bench time": f"{time.perf_counter() - started:.0f} s",
    }
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    payload = {"meta": meta, "rows": [row.__dict__ for row in rows]}
    (results / "latest.json").write_text(json.dumps(payload, indent=2))
    if not args.smoke:
        write_markdown(rows, meta, ROOT / "BENCHMARKS.md")
    for row in rows:
        shown = f"{statistics.median(row.framework):.3f}s"
        if row.handwritten:
            shown += f" vs {statistics.median(row.handwritten):.3f}s ({row.medians()[2]:.2f}x)"
        print(f"{row.case}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
