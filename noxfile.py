"""Developer and CI sessions: ``tests``, ``lint``, ``typecheck``, ``demo``, ``bench``.

``tests`` and ``demo`` first make sure a BuildKit-capable Docker engine and the base
images exist (``scripts/engine-up.sh``: installs and starts them as root where missing).
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "bench-smoke"]
nox.options.reuse_existing_virtualenvs = True

ENGINE_UP = ["bash", "scripts/engine-up.sh"]


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite: unit tests and end-to-end builds on the real engine."""
    session.install("-e", ".[test]")
    session.run(*ENGINE_UP, external=True)
    # engine-up succeeded, so an engine that does not answer is a failure, not a skip.
    env = {"FRAMEWORK_REQUIRE_ENGINE": "1"}
    if not session.posargs:  # the whole suite: its figures become docs/reliability.md
        env["FRAMEWORK_WRITE_RELIABILITY"] = "1"
    session.run("pytest", *(session.posargs or ["tests"]), env=env)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the framework."""
    session.install("-e", ".[typecheck]")
    session.run("mypy")


@nox.session
def demo(session: nox.Session) -> None:
    """Build the Flask example, run it, and show it answering HTTP."""
    session.install("-e", ".")
    session.run(*ENGINE_UP, external=True)
    session.run("python", "pipelines/flask_app.py")
    session.run("python", "scripts/try_image.py", "flask-app", "5000")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against hand-written Dockerfiles; writes BENCHMARKS.md."""
    session.install("-e", ".")
    session.run(*ENGINE_UP, external=True)
    session.run("python", "-m", "bench.run", *session.posargs)


@nox.session(name="bench-smoke")
def bench_smoke(session: nox.Session) -> None:
    """One repetition of every benchmark case: proves the harness runs (part of CI)."""
    session.install("-e", ".")
    session.run(*ENGINE_UP, external=True)
    session.run("python", "-m", "bench.run", "--smoke")
