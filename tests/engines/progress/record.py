"""Record the daemon's real plain progress output for :func:`pipeline` (see there)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from framework import compile, render
from framework.engines.docker import DockerEngine
from framework.engines.staging import stage_context
from tests.engines.progress.pipeline import pipeline

HERE = Path(__file__).parent


def main(name: str) -> None:
    engine = DockerEngine()
    caps = engine.capabilities
    rendered = render(compile(pipeline()), caps.features)
    client = engine.client
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stage_context(rendered.context, work / "context")
        (work / "Dockerfile").write_text(rendered.dockerfile)
        argv = [*client.build_command(), "--progress=plain", "-f", str(work / "Dockerfile")]
        if caps.builder:
            argv += ["--builder", caps.builder, "--provenance=false"]
        argv += ["-t", "fw-progress-fixture:1", str(work / "context")]
        for kind in ("cold", "warm"):
            out = subprocess.run(
                argv, env=client.environment(), capture_output=True, text=True, check=False
            )
            assert out.returncode == 0, out.stderr
            (HERE / f"{name}-{kind}.txt").write_text(out.stderr)
    subprocess.run([client.path, "rmi", "fw-progress-fixture:1"], check=False)


if __name__ == "__main__":
    main(sys.argv[1])
