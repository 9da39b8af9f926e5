"""Build-time variables on Dagger, checked offline: the SDK records the calls lazily.

``with_exec`` takes no environment, so each variable is set just before its step and
removed (or set back to the image's value) right after; the image config keeps none.
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
    image: Image, *, base_env: dict[str, str] | None = None, platform: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    async def is_directory(_container: dagger.Container, _path: str) -> bool:
        return False

    async def variable(_container: dagger.Container, name: str) -> str | None:
        return (base_env or {}).get(name)

    async def build_platform() -> str:
        return "linux/amd64"

    mapping = DaggerMapping(
        dag,
        staged=staged_path,
        is_directory=is_directory,
        variable=variable,
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


def test_a_variable_the_image_sets_is_overridden_for_the_step_and_set_back() -> None:
    image = BASE.arg(PATH="/nope", V="1").run("x")
    assert mapped(image, base_env={"PATH": "/usr/bin:/bin"})[2:] == [
        ("withEnvVariable", {"name": "PATH", "value": "/nope"}),
        ("withEnvVariable", {"name": "V", "value": "1"}),
        ("withExec", {"args": ["/bin/sh", "-c", "x"]}),
        ("withEnvVariable", {"name": "PATH", "value": "/usr/bin:/bin"}),
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


def test_a_stage_built_on_this_one_gets_the_args_too() -> None:
    parent = BASE.arg(V="1").run("p")
    result = mapped(Image.from_(parent).run("c"))
    assert result[-3:] == [
        ("withEnvVariable", {"name": "V", "value": "1"}),
        ("withExec", {"args": ["/bin/sh", "-c", "c"]}),
        ("withoutEnvVariable", {"name": "V"}),
    ]
