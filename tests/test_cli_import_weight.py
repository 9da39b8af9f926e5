"""The command line builds its parser without loading the engines, render, or shutil (and
with it bz2 and lzma): a ``build`` answered from the record loads what the script does.
Each case runs in a fresh interpreter and reads ``sys.modules`` (timings are in bench/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
        timeout=120,
    )  # fmt: skip
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_parsing_a_build_command_loads_no_engine_render_or_shutil() -> None:
    loaded = _loaded_after(
        "from framework.cli.main import _parser\n"
        "_parser().parse_known_args(['build', 'p.py', '-t', 'x', '--lint', 'off'])"
    )
    assert "framework.cli.main" in loaded  # the probe sees the parser's module
    for heavy in ("framework.engines", "framework.render", "shutil", "lzma", "bz2"):
        assert heavy not in loaded


def test_the_engine_option_still_checks_and_lists_registered_engines() -> None:
    loaded = _loaded_after(
        "from framework.cli.main import _parser\n"
        "args, _ = _parser().parse_known_args(['build', 'p.py', '--engine', 'docker'])\n"
        "assert args.engine == 'docker'\n"
        "print(_parser().format_help())"
    )
    assert "framework.engines.registry" in loaded
    done = subprocess.run(
        [sys.executable, "-m", "framework", "build", "p.py", "--engine", "nope"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "invalid choice: 'nope' (choose from 'auto', 'dagger', 'docker')" in done.stderr
    shown = subprocess.run(
        [sys.executable, "-m", "framework", "build", "--help"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert "auto, dagger, docker (default: docker)" in " ".join(shown.split())
