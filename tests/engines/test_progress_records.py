"""Step reports from real ``--progress=plain`` output recorded on Docker 20.10 (native
BuildKit 0.8) and Docker 26 with buildx (BuildKit 0.13; classic and containerd image
stores): every step is found, including the steps of a scratch stage and of a stage FROM
another stage, which have no FROM vertex.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from framework import compile, render
from framework.engines.docker.output import OutputParser
from framework.engines.docker.reports import reports
from framework.render.features import BASELINE, Features
from tests.engines.progress.pipeline import pipeline

RECORDS = Path(__file__).parent / "progress"
DAEMONS = {
    "docker20.10": BASELINE,
    "docker26-buildx": Features(copy_link=True),
    "docker26-buildx-containerd": Features(copy_link=True),
}


@pytest.mark.parametrize("daemon", sorted(DAEMONS))
@pytest.mark.parametrize(("kind", "status"), [("cold", "executed"), ("warm", "cached")])
def test_every_step_of_a_recorded_build_is_reported(daemon: str, kind: str, status: str) -> None:
    plan = compile(pipeline())
    rendered = render(plan, DAEMONS[daemon])
    parser = OutputParser()
    for line in (RECORDS / f"{daemon}-{kind}.txt").read_text().splitlines():
        parser.feed(line)
    shown = reports(plan, rendered, parser)
    assert [r for r in shown if r.status == "unknown"] == []
    runs = [r.status for r in shown if r.description.startswith("RUN")]
    assert runs == [status, status]
    scratch = [r for r in shown if r.stage == plan.target.name]
    assert [r.status for r in scratch] == [status, status, status, "config", status]
    assert [r.status for r in shown if r.stage == "child"] == [status]


def test_the_recorded_dockerfiles_are_what_the_renderer_gives() -> None:
    plan = compile(pipeline())
    for daemon, features in DAEMONS.items():
        text = (RECORDS / f"{daemon}-cold.txt").read_text()
        for line in render(plan, features).dockerfile.splitlines():
            shown = line
            if line.startswith("COPY"):  # BuildKit shows COPY's JSON words unquoted
                shown = line.replace('", "', ", ").replace('["', "[").replace('"]', "]")
            if line.startswith(("RUN", "COPY")):
                assert shown in text, (daemon, shown)


@pytest.mark.parametrize("daemon", sorted(DAEMONS))
def test_the_tags_the_exporter_named_are_known(daemon: str) -> None:
    # A build interrupted after this line has tagged its image: the engine must say so.
    parser = OutputParser()
    for line in (RECORDS / f"{daemon}-cold.txt").read_text().splitlines():
        parser.feed(line)
    assert set(parser.named) == {"docker.io/library/fw-progress-fixture:1"}
