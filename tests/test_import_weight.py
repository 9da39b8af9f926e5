"""``import framework``, describing an image and compiling it load nothing heavy.

A no-op rebuild must be about as fast as ``docker build``: the steps before any engine
starts may not import a validation library, the async runtime, an engine or its SDK.
Each case runs in a fresh interpreter and reads ``sys.modules``; it guards the property,
not a timing (timings are in bench/).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HEAVY = ("pydantic", "pydantic_core", "anyio", "dagger", "httpx", "rich", "asyncio", "sqlite3")
"""Top-level packages none of these steps may load (the plan's content digest, which
reads the files a build sends, may open its sqlite cache: that is not describing)."""

ENGINES = "framework.engines"


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def _heavy(loaded: list[str]) -> list[str]:
    return [
        name
        for name in loaded
        if name.split(".")[0] in HEAVY or name == ENGINES or name.startswith(ENGINES + ".")
    ]


def test_the_probe_sees_what_a_build_loads() -> None:
    loaded = _loaded_after("import framework.engines")
    assert ENGINES in _heavy(loaded)


def test_import_framework_loads_nothing_heavy() -> None:
    loaded = _loaded_after("import framework")
    assert _heavy(loaded) == []
    # Only the errors and the spec: compile, render, build and the CLI load on first use.
    assert "framework.plan" not in loaded
    assert "framework.build" not in loaded
    assert "framework.cli" not in loaded


# go_app is left out on purpose: it imports framework.images (the local image store,
# an engine's) to print image sizes after its build.
@pytest.mark.parametrize("pipeline", ["flask_app", "nginx_site"])
def test_describing_and_compiling_a_pipeline_loads_nothing_heavy(pipeline: str) -> None:
    loaded = _loaded_after(
        "import sys; sys.path.insert(0, 'pipelines')\n"
        f"import {pipeline}\n"
        "from framework import compile, render\n"
        f"plan = compile({pipeline}.{pipeline}())\n"
        "assert plan.target.id.startswith('sha256:')\n"
        "render(plan)\n"
    )
    assert "framework.plan" in loaded
    assert _heavy(loaded) == []


def test_the_public_names_load_on_first_use_and_are_the_functions() -> None:
    loaded = _loaded_after(
        "import framework.build, framework.render\n"
        "import framework\n"
        "from framework import build, render, compile, run_script, BuildPlan\n"
        "assert callable(build) and build.__module__ == 'framework.build', build\n"
        "assert callable(render) and render.__module__ == 'framework.render.dockerfile'\n"
        "assert framework.build is build and framework.render is render\n"
        "assert compile.__module__ == 'framework.plan.compile'\n"
    )
    assert _heavy(loaded) == []
