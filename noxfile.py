"""Developer and CI sessions: ``lint``, ``typecheck``, ``tests`` and the daemon matrix,
``demo``, ``bench``. Run them with ``bash scripts/nox.sh`` (nox in a venv of its own).

The test sessions first make sure a BuildKit-capable Docker engine and the base images
exist (``scripts/engine-up.sh``: installs and starts them as root where missing). The
end-to-end suite runs on three daemons: the system's (``tests``), Docker 26 with buildx
(``tests-docker26``) and the same with the containerd image store
(``tests-docker26-containerd``), both started by ``scripts/docker-private.sh``;
``daemons`` then prints the table of results per daemon.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import nox

nox.options.sessions = [
    "lint",
    "typecheck",
    "tests",
    "tests-docker26",
    "tests-docker26-containerd",
    "bench-smoke",
    "daemons",
]
nox.options.reuse_existing_virtualenvs = True

ENGINE_UP = ["bash", "scripts/engine-up.sh"]
RESULTS = Path("build/test-results")


def _install(session: nox.Session, project: str) -> None:
    """Install ``project`` (``.`` or ``.[extras]``) editable, as a path entry: the default
    editable finder costs every Python process ~50 ms of start-up, which would blur the
    whole-process benchmarks and slow every CLI test."""
    session.install("--config-settings", "editable_mode=compat", "-e", project)


def _pytest(session: nox.Session, daemon: str, paths: list[str], env: dict[str, str]) -> None:
    """pytest with a JUnit record per daemon, which ``daemons`` turns into the table.

    engine-up succeeded, so an engine that does not answer fails the run, not skips it;
    pytest's exit 5 (no tests collected) fails the session too.
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = RESULTS / f"{daemon}.xml"
    record.unlink(missing_ok=True)
    env = {"FRAMEWORK_REQUIRE_ENGINE": "1", "FRAMEWORK_DAEMON": daemon, **env}
    session.run("pytest", *paths, f"--junitxml={record}", env=env)


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite: unit tests, and end-to-end builds on the system's daemon."""
    _install(session, ".[test]")
    session.run(*ENGINE_UP, external=True)
    _pytest(session, "system", session.posargs or ["tests"], {})


def _system_daemon_is_docker26() -> bool:
    """Debian 13's system daemon is Docker 26 with the classic store: daemon (b) itself."""
    try:
        return int(Path("/etc/debian_version").read_text().split(".")[0]) >= 13
    except (OSError, ValueError):
        return False


def _start_private_daemon(session: nox.Session, name: str) -> dict[str, str]:
    """Start the private daemon ``name``; the variables that point a client at it."""
    started = session.run(
        "bash", "scripts/docker-private.sh", "up", name, external=True, silent=True
    )
    assert isinstance(started, str)
    return dict(line.split("=", 1) for line in started.splitlines() if "=" in line)


def _private_daemon(session: nox.Session, name: str) -> None:
    """The end-to-end suite on a private Docker 26 daemon beside the system one."""
    _install(session, ".[test]")
    session.run(*ENGINE_UP, external=True)
    env = _start_private_daemon(session, name)
    _pytest(session, name, session.posargs or ["tests/e2e"], env)


@nox.session(name="tests-docker26")
def tests_docker26(session: nox.Session) -> None:
    """End-to-end suite on Docker 26.1.5 + buildx, classic image store."""
    if _system_daemon_is_docker26():
        session.skip("the system daemon is Docker 26 (Debian 13): the tests session ran on it")
    _private_daemon(session, "docker26")


@nox.session(name="tests-docker26-containerd")
def tests_docker26_containerd(session: nox.Session) -> None:
    """End-to-end suite on Docker 26.1.5 + buildx with the containerd image store."""
    _private_daemon(session, "docker26-containerd")


@nox.session(python=False)
def daemons(session: nox.Session) -> None:
    """The table of passed/failed/skipped per daemon from this run's test sessions."""
    rows = [
        "| daemon | passed | failed | skipped | seconds |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for record in sorted(RESULTS.glob("*.xml")):
        suite = ET.parse(record).getroot()
        suite = suite if suite.tag == "testsuite" else suite[0]
        total, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        seconds = float(suite.get("time", 0))
        rows.append(
            f"| {record.stem} | {total - failed - skipped} | {failed} | {skipped} | {seconds:.0f} |"
        )
    table = "\n".join(rows) + "\n"
    (RESULTS / "daemons.md").write_text(table)
    print(table)
    if len(rows) == 2:
        session.error(f"no test results in {RESULTS}: run the tests sessions first")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    _install(session, ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the framework, its tests and bench/ (the files are in pyproject)."""
    _install(session, ".[test,typecheck]")  # the tests import what they test with
    session.run("mypy")


@nox.session
def demo(session: nox.Session) -> None:
    """Build the Flask example, run it, and show it answering HTTP.

    On the system's daemon; ``-- docker26`` or ``-- docker26-containerd`` uses that
    private daemon instead.
    """
    _install(session, ".")
    session.run(*ENGINE_UP, external=True)
    env = _start_private_daemon(session, session.posargs[0]) if session.posargs else {}
    session.run("python", "pipelines/flask_app.py", env=env)
    session.run("python", "scripts/try_image.py", "flask-app", "5000", env=env)


def _bench_setup(session: nox.Session) -> None:
    """The framework installed and byte-compiled, as a pip install leaves it (timed
    processes must not compile sources, even where PYTHONDONTWRITEBYTECODE is set), and
    an engine up."""
    _install(session, ".")
    session.run("python", "-m", "compileall", "-q", "framework", "pipelines", "bench")
    session.run(*ENGINE_UP, external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks as people run them: whole processes (script and CLI) against whole
    ``docker build`` processes, then in one process; writes BENCHMARKS.md from the run.
    Posargs go to ``bench/run.py`` (e.g. ``-- --reps 7``)."""
    _bench_setup(session)
    session.run("python", "-m", "bench.run", *session.posargs)


@nox.session(name="bench-smoke")
def bench_smoke(session: nox.Session) -> None:
    """A reduced set of the benchmark cases, once each: proves the harness runs (part of
    CI, under two minutes); asserts nothing about times and writes no BENCHMARKS.md."""
    _bench_setup(session)
    session.run("python", "-m", "bench.run", "--smoke")
