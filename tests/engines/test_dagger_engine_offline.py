"""The Dagger engine's parts that run without a Dagger engine: which CLI it uses (without
touching ``os.environ``), one progress row per step, and failures as structured data."""

from __future__ import annotations

import os
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, cast

import anyio
import dagger
import gql
import pytest
from dagger import dag
from dagger._exceptions import QueryErrorValue

from framework import Image, SilentProgress, compile
from framework.engines.base import BuildRequest, StepKey, StepReport
from framework.engines.dagger import DaggerMapping
from framework.engines.dagger.engine import (
    _EngineWithCli,
    _LogLines,
    _Steps,
    cli_path,
    exec_failure,
)
from framework.engines.redact import Redactor
from framework.errors import BuildError
from framework.plan import Stage


def exec_error(stdout: str, stderr: str, code: int = 3) -> dagger.ExecError:
    extensions = {
        "_type": "EXEC_ERROR",
        "cmd": ["/bin/sh", "-c", "make"],
        "exitCode": code,
        "stdout": stdout,
        "stderr": stderr,
    }
    request = gql.GraphQLRequest(gql.gql("{ container { id } }"))
    error = dagger.QueryError(
        [QueryErrorValue(message="exec failed", extensions=extensions)], request
    )
    assert isinstance(error, dagger.ExecError)
    return error


def test_the_cli_on_path_is_used_without_changing_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = tmp_path / "dagger"
    cli.write_text("#!/bin/sh\n")
    cli.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("_EXPERIMENTAL_DAGGER_CLI_BIN", raising=False)
    assert cli_path() == str(cli)
    before = dict(os.environ)

    async def provisioned_cli() -> str:
        async with AsyncExitStack() as stack:
            return await _EngineWithCli(dagger.Config(), stack, cli_path()).get_cli()

    assert anyio.run(provisioned_cli) == str(cli)
    assert dict(os.environ) == before
    monkeypatch.setenv("_EXPERIMENTAL_DAGGER_CLI_BIN", "/opt/dagger")
    assert cli_path() is None  # the SDK reads that one itself


def test_a_failed_exec_is_structured_data_with_secrets_redacted() -> None:
    plan = compile(Image.from_("debian").named("app").run("true").run("make"))
    stage = plan.target
    error = exec_failure(
        stage,
        1,
        "RUN make",
        exec_error("one\ntwo\n", "s3cret leaked\nboom\n"),
        Redactor({"T": b"s3cret"}),
    )
    assert error.exit_code == 3
    assert error.stdout_tail == ("one", "two")
    assert error.stderr_tail == ("*** leaked", "boom")
    assert (error.stage, error.step, error.command) == ("app", "2: RUN make", "make")
    assert error.where is not None
    assert error.where.endswith(f"test_dagger_engine_offline.py:{error.where.rpartition(':')[2]}")


class _Recording(SilentProgress):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def step_started(self, key: StepKey, description: str) -> None:
        self.events.append(("started", (key, description)))

    def step_output(self, key: StepKey, line: str) -> None:
        self.events.append(("output", (key, line)))

    def step_finished(self, report: StepReport) -> None:
        self.events.append(("finished", (report.key, report.status)))


class _Evaluated:
    """Stands in for the container a step produced: its evaluation succeeds or fails."""

    def __init__(self, error: BaseException | None = None, log: _LogLines | None = None) -> None:
        self.error = error
        self.log = log

    async def sync(self) -> None:
        if self.log is not None:
            self.log.write("building...\n")  # Dagger's log output, while the step runs
        if self.error is not None:
            raise self.error


def _container(evaluated: _Evaluated) -> dagger.Container:
    """The stand-in, passed where the steps take a container (they only call ``sync``)."""
    return cast("dagger.Container", evaluated)


def test_each_filesystem_step_gets_a_row_and_a_failure_names_its_step_by_position() -> None:
    image = Image.from_("debian").named("app").run("make").env(A="1").run("make")  # same argv
    plan = compile(image)
    progress = _Recording()
    request = BuildRequest(plan=plan, tags=(), progress=progress)
    redact = Redactor({})
    log = _LogLines(request, redact)
    steps = _Steps(request, log, redact)
    stage: Stage = plan.target
    anyio.run(steps, stage, 0, _container(_Evaluated()))
    with pytest.raises(BuildError) as caught:
        anyio.run(steps, stage, 2, _container(_Evaluated(exec_error("", "no rule\n", 2), log)))
    assert progress.events == [
        ("started", (StepKey("app", 1), "RUN make")),
        ("finished", (StepKey("app", 1), "unknown")),
        ("started", (StepKey("app", 3), "RUN make")),
        ("output", (StepKey("app", 3), "building...")),
        ("finished", (StepKey("app", 3), "failed")),
    ]
    assert caught.value.step == "3: RUN make"
    assert caught.value.exit_code == 2


def test_the_mapping_hands_each_filesystem_step_to_the_engine_in_order() -> None:
    seen: list[tuple[str, int]] = []

    async def after_step(stage: Stage, number: int, _container: dagger.Container) -> None:
        seen.append((stage.name, number))

    async def is_directory(_container: dagger.Container, _path: str) -> bool:
        return False

    builder = Image.from_("golang").named("builder").workdir("/src").run("go build")
    image = Image.from_("debian").named("app").env(A="1").copy(builder / "/out", "/out").run("x")
    mapping = DaggerMapping(dag, staged=str, is_directory=is_directory, after_step=after_step)
    anyio.run(mapping.containers, compile(image))
    assert seen == [("builder", 0), ("builder", 1), ("app", 1), ("app", 2)]
