"""A SIGTERM while the CLI loads a pipeline (before any build starts) ends as Ctrl-C
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
