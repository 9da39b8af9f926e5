"""A process that built, or ran the command line, exits with its heap frozen: the
interpreter's final garbage collections have nothing to walk (framework.teardown)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _exit_report(body: str) -> str:
    """What a child process prints from an atexit function registered before ``body``
    runs (atexit runs last-registered first, so it sees what later ones did)."""
    script = textwrap.dedent(
        """
        import atexit, gc
        atexit.register(lambda: print("frozen", gc.get_freeze_count() > 0, flush=True))
        atexit.register(lambda: print("first hook ran", flush=True))
        """
    ) + textwrap.dedent(body)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_heap_is_frozen_at_exit_once_the_framework_asked() -> None:
    out = _exit_report(
        """
        from framework.teardown import skip_exit_collections
        skip_exit_collections()
        skip_exit_collections()
        atexit.register(lambda: print("later hook ran", flush=True))
        """
    )
    assert out.splitlines() == ["later hook ran", "first hook ran", "frozen True"]


def test_a_process_that_never_asked_is_left_alone() -> None:
    assert _exit_report("import framework\n").splitlines() == ["first hook ran", "frozen False"]


def test_the_command_line_asks() -> None:
    out = _exit_report(
        """
        from framework.cli import main
        main(["list", "pipelines/flask_app.py"])
        """
    )
    assert out.splitlines()[-1] == "frozen True"


def test_build_asks_before_any_engine_starts() -> None:
    out = _exit_report(
        """
        from framework import Image, build
        from framework.errors import SpecError
        try:
            build(Image.from_("python:3.11-slim"), push=True)  # refused: no tag to push
        except SpecError:
            pass
        """
    )
    assert out.splitlines() == ["first hook ran", "frozen True"]
