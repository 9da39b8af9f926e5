"""A SIGTERM while the CLI loads a pipeline, or before a script builds, ends as Ctrl-C
does: exit 143, the message on stderr, one JSON object on stdout with ``--json``. It
used to kill the process silently (143, nothing printed, an empty ``build.json``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

PIPELINE = """
import sys, time
from framework import Image

def slow():
    print("loading", file=sys.stderr, flush=True)
    time.sleep(60)
    return Image.from_("debian:bookworm-slim")
"""


def test_sigterm_while_the_pipeline_loads(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text(PIPELINE)
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    child = subprocess.Popen(
        [sys.executable, "-m", "framework", "build", "slow.py:slow", "--json"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stderr is not None
    assert child.stderr.readline() == "loading\n"
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 143
    assert "terminated (SIGTERM)" in err
    document = json.loads(out)
    assert (document["ok"], document["kind"], document["exit_code"]) == (False, "terminated", 143)


SCRIPT = """
import sys, time
from framework import run_script

def main():
    print("working", file=sys.stderr, flush=True)
    time.sleep(60)

run_script(main)
"""


def test_sigterm_in_a_script_before_any_build(tmp_path: Path) -> None:
    (tmp_path / "script.py").write_text(SCRIPT)
    child = subprocess.Popen(
        [sys.executable, str(tmp_path / "script.py")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stderr is not None
    assert child.stderr.readline() == "working\n"
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 143
    assert err.startswith("terminated (SIGTERM)")
    assert "Traceback" not in err
