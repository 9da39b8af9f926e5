"""Build-time variables on Dagger, checked offline: the SDK records the calls lazily.

``with_exec`` takes no environment, so each variable is set just before its step and
removed right after; the image config keeps none.
"""

from __future__ import annotations

from typing import Any

import anyio
import dagger
from dagger import dag

from framework import Image, compile
from framework.engines.dagger import DaggerMapping
from tests.engines.test_dagger_mapping import calls, staged_path

BASE = Image.from_("debian:bookworm-slim")


def mapped(
    image: Image, *, base_env: frozenset[str] = frozenset(), platform: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    async def is_directory(_container: dagger.Container, _path: str) -> bool:
        return False

    async def has_variable(_container: dagger.Container, name: str) -> bool:
        return name in base_env

    async def build_platform() -> str:
        return "linux/amd64"

    mapping = DaggerMapping(
        dag,
        staged=staged_path,
        is_directory=is_directory,
        has_variable=has_variable,
        build_platform=build_platform,
        platform=platform,
    )
    plan = compile(image)
    containers = anyio.run(mapping.containers, plan)
    return calls(containers[plan.target.id])


def test_each_run_gets_the_args_around_its_exec_only() -> None:
    image = BASE.run("before").arg(V="1", W="$x").run("after")
    assert mapped(image)[2:] == [
        ("withExec", {"args": ["/bin/sh", "-c", "before"]}),
        ("withEnvVariable", {"name": "V", "value": "1"}),  # expand stays off: literal
        ("withEnvVariable", {"name": "W", "value": "$x"}),
        ("withExec", {"args": ["/bin/sh", "-c", "after"]}),
        ("withoutEnvVariable", {"name": "V"}),
        ("withoutEnvVariable", {"name": "W"}),
    ]


def test_a_variable_the_base_image_sets_is_left_alone() -> None:
    image = BASE.arg(PATH="/nope", V="1").run("x")
    assert mapped(image, base_env=frozenset({"PATH"}))[2:] == [
        ("withEnvVariable", {"name": "V", "value": "1"}),
        ("withExec", {"args": ["/bin/sh", "-c", "x"]}),
        ("withoutEnvVariable", {"name": "V"}),
    ]


def test_platform_variables_come_from_the_platform_built_for_and_the_engines() -> None:
    image = BASE.arg("TARGETARCH", "BUILDARCH", "TARGETPLATFORM").run("x")
    sets = [c[1] for c in mapped(image, platform="linux/arm64") if c[0] == "withEnvVariable"]
    assert sets == [
        {"name": "TARGETARCH", "value": "arm64"},
        {"name": "BUILDARCH", "value": "amd64"},
        {"name": "TARGETPLATFORM", "value": "linux/arm64"},
    ]
    native = [c[1] for c in mapped(image) if c[0] == "withEnvVariable"]
    assert native[0] == {"name": "TARGETARCH", "value": "amd64"}


def test_an_expanded_env_sees_the_args_it_names_and_keeps_what_it_sets() -> None:
    image = BASE.arg(V="1").env(A="$V", V="$V-x", expand=True)
    assert mapped(image)[2:] == [
        ("withEnvVariable", {"name": "V", "value": "1"}),
        ("withEnvVariable", {"name": "A", "value": "$V", "expand": True}),
        ("withEnvVariable", {"name": "V", "value": "$V-x", "expand": True}),
        # V is set by the env step itself: it stays; nothing else to remove.
    ]


def test_a_child_stage_does_not_get_the_args() -> None:
    parent = BASE.arg(V="1").run("p")
    result = mapped(Image.from_(parent).run("c"))
    last_exec = max(i for i, c in enumerate(result) if c[0] == "withExec")
    assert result[last_exec] == ("withExec", {"args": ["/bin/sh", "-c", "c"]})
    assert result[last_exec - 1] == ("withoutEnvVariable", {"name": "V"})  # the parent's
    assert result[last_exec + 1 :] == []
