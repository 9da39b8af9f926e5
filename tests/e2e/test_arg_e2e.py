"""Build-time variables (``Image.arg``) built on the real daemon: a run step sees them,
the image config does not hold them (nor does a container of the image), a stage built
FROM the stage sees them (BuildKit's stages inherit ARGs; checked against a Dockerfile
too), a changed value rebuilds the run steps after it, and the platform variables hold
what BuildKit gives."""

from __future__ import annotations

import os
import platform
import subprocess
import uuid
from pathlib import Path

from framework import Image, SilentProgress, build, compile
from framework.size.mapping import history_offset, lineage_steps
from tests.e2e.conftest import Docker

BASE = Image.from_("debian:bookworm-slim")


def _env(docker: Docker, tag: str) -> list[str]:
    config = docker.inspect(tag)["Config"]
    assert isinstance(config, dict)
    env = config.get("Env") or []
    assert isinstance(env, list)
    return [str(e) for e in env]


def test_run_sees_the_arg_and_the_config_does_not(docker: Docker) -> None:
    nonce = uuid.uuid4().hex[:8]
    tricky = f'a "b" $c \\d {nonce}'
    parent = (
        BASE.run("echo before=${ARGS_V:-unset} > /before")
        .arg(ARGS_V=tricky, ARGS_W="w")
        .run('printf "%s" "$ARGS_V" > /seen')
        .run(["/bin/sh", "-c", 'echo "$ARGS_W" > /seen-exec'])
    )
    child = Image.from_(parent).run("echo child=${ARGS_W:-unset} > /child")
    tag = docker.tag("args-visible")
    build(child, tag=tag, progress=SilentProgress())
    assert docker.run(tag, "cat", "/before").strip() == "before=unset"
    assert docker.run(tag, "cat", "/seen") == tricky  # literal, exactly as given
    assert docker.run(tag, "cat", "/seen-exec").strip() == "w"
    # A stage built on the stage inherits its ARGs, as in a Dockerfile (FROM parent).
    assert docker.run(tag, "cat", "/child").strip() == "child=w"
    env = _env(docker, tag)
    assert not [e for e in env if e.startswith(("ARGS_V=", "ARGS_W="))], env
    assert "ARGS_" not in docker.run(tag, "env")


def test_a_dockerfile_stage_from_a_stage_inherits_its_args(docker: Docker, tmp_path: Path) -> None:
    # What the framework's meaning rests on, checked on the daemon without the framework.
    (tmp_path / "Dockerfile").write_text(
        "FROM debian:bookworm-slim AS parent\n"
        "ARG ARGS_P=parent-value\n"
        "FROM parent AS child\n"
        'RUN echo "child=${ARGS_P:-unset}" > /child\n'
    )
    tag = docker.tag("args-dockerfile")
    result = subprocess.run(
        [docker.path, "build", "-q", "-t", tag, str(tmp_path)],
        capture_output=True, text=True, env={**os.environ, "DOCKER_BUILDKIT": "1"},
        timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert docker.run(tag, "cat", "/child").strip() == "child=parent-value"


def test_the_last_of_env_and_arg_gives_the_value_a_run_sees(docker: Docker) -> None:
    image = (
        BASE.env(ARGS_E="from-env")
        .arg(ARGS_E="from-arg", ARGS_F="arg-f", ARGS_X="x1", PATH="/usr/bin:/bin:/args")
        .env(ARGS_F="env-f")
        .env(ARGS_DERIVED="$ARGS_X/bin", expand=True)
        .run('echo "$ARGS_E $ARGS_F $ARGS_DERIVED $PATH" > /seen')
    )
    tag = docker.tag("args-precedence")
    build(image, tag=tag, progress=SilentProgress())
    seen = docker.run(tag, "cat", "/seen").strip()
    assert seen == "from-arg env-f x1/bin /usr/bin:/bin:/args"
    env = _env(docker, tag)
    assert "ARGS_E=from-env" in env  # the config keeps the env's value
    assert "ARGS_F=env-f" in env
    assert "ARGS_DERIVED=x1/bin" in env  # an env step may copy an arg in, explicitly
    assert not [e for e in env if e.startswith("ARGS_X=") or e.endswith(":/args")]


def test_a_run_after_a_multiline_env_still_sees_the_args(docker: Docker) -> None:
    image = BASE.arg(ARGS_V="v").env(ARGS_M="a\nb").run('echo "$ARGS_V" > /seen')
    tag = docker.tag("args-multiline")
    build(image, tag=tag, progress=SilentProgress())
    assert docker.run(tag, "cat", "/seen").strip() == "v"


def test_a_changed_value_rebuilds_the_runs_after_it_only(docker: Docker) -> None:
    nonce = uuid.uuid4().hex

    def image(value: str) -> Image:
        return (
            BASE.run(f"echo {nonce} > /first")
            .arg(ARGS_VERSION=value)
            .run('echo "$ARGS_VERSION" > /version')
        )

    tag = docker.tag("args-rebuild")
    first = build(image("1"), tag=tag, progress=SilentProgress())
    assert [s.status for s in first.steps if s.description.startswith("RUN")] == [
        "executed",
        "executed",
    ]
    again = build(image("1"), tag=tag, progress=SilentProgress())
    assert {s.status for s in again.steps if s.description.startswith("RUN")} == {"cached"}
    changed = build(image("2"), tag=tag, progress=SilentProgress())
    statuses = {s.description: s.status for s in changed.steps if s.description.startswith("RUN")}
    assert statuses == {
        f"RUN echo {nonce} > /first": "cached",
        'RUN echo "$ARGS_VERSION" > /version': "executed",
    }
    assert docker.run(tag, "cat", "/version").strip() == "2"


def test_platform_variables_hold_what_buildkit_gives(docker: Docker) -> None:
    image = BASE.arg("TARGETARCH", "TARGETOS", "TARGETPLATFORM", "BUILDARCH").run(
        'echo "$TARGETOS $TARGETARCH $TARGETPLATFORM $BUILDARCH" > /platform'
    )
    tag = docker.tag("args-platform")
    build(image, tag=tag, progress=SilentProgress())
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    expected = f"linux {arch} linux/{arch} {arch}"
    assert docker.run(tag, "cat", "/platform").strip() == expected
    assert not [e for e in _env(docker, tag) if e.startswith("TARGET")]


def test_an_arg_step_lines_up_with_its_history_entry(docker: Docker) -> None:
    # BuildKit records an ARG line in the history: the size report's mapping counts it.
    image = BASE.arg(ARGS_H="1", ARGS_I="2").run("true").arg("TARGETARCH").env(ARGS_J="3")
    tag = docker.tag("args-history")
    build(image, tag=tag, progress=SilentProgress())
    out = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", tag)
    created = list(reversed(out.splitlines()))
    assert created[-4].startswith("ARG ARGS_H=")
    assert created[-2] == "ARG TARGETARCH"
    plan = compile(image)
    assert history_offset(created, lineage_steps(plan, plan.target)) == len(created) - 4
