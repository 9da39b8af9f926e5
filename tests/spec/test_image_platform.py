"""``Image.from_(ref, platform=...)``: checked when written, carried into the plan, its
digests and the Dockerfile, and mapped per stage on Dagger."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import dagger
import pytest
from dagger import dag

from framework import BUILD_PLATFORM, Image, SpecError, compile, render
from framework.engines.dagger import DaggerMapping
from framework.spec.platforms import platform_problem
from tests.e2e.conftest import cli
from tests.engines.test_dagger_mapping import calls, staged_path


@pytest.mark.parametrize(
    "platform", ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm64/v8", "windows/amd64"]
)
def test_valid_platforms_are_accepted(platform: str) -> None:
    assert platform_problem(platform) is None
    assert Image.from_("debian:bookworm-slim", platform=platform).platform == platform


@pytest.mark.parametrize(
    ("platform", "says"),
    [
        ("linux", "is not os/arch[/variant]"),
        ("linux/amd64/", "is not os/arch[/variant]"),
        ("linux//amd64", "is not os/arch[/variant]"),
        ("linux/arm64/v8/x", "is not os/arch[/variant]"),
        ("plan9/amd64", "unknown operating system 'plan9'"),
        ("linux/sparc", "unknown architecture 'sparc'"),
        ("linux/x86_64", "did you mean 'linux/amd64'?"),
        ("linux/aarch64", "did you mean 'linux/arm64'?"),
        ("linux/armhf", "did you mean 'linux/arm/v7'?"),
        ("linux/arm/v9", "'v9' is not a variant of arm"),
        ("linux/386/v1", "386 has none"),
    ],
)
def test_an_unknown_platform_is_refused_at_the_line_that_wrote_it(platform: str, says: str) -> None:
    with pytest.raises(SpecError) as caught:
        Image.from_("debian:bookworm-slim", platform=platform)
    assert says in caught.value.problem
    assert "linux/arm64" in str(caught.value.fix)
    assert caught.value.where is not None
    assert caught.value.where.endswith(f"test_image_platform.py:{caught.tb.tb_lineno}")


def test_a_platform_is_not_a_string_is_refused() -> None:
    with pytest.raises(SpecError, match="not int"):
        Image.from_("debian:bookworm-slim", platform=64)  # type: ignore[arg-type]


def test_a_platform_for_an_image_built_on_another_is_refused() -> None:
    base = Image.from_("debian:bookworm-slim")
    with pytest.raises(SpecError, match="runs on that image's platform"):
        Image.from_(base, platform="linux/arm64")


def test_the_platform_survives_every_verb_and_is_part_of_the_meaning() -> None:
    arm = Image.from_("debian:bookworm-slim", platform="linux/arm64")
    chained = arm.workdir("/app").env(A="1").named("arm").run("true")
    assert chained.platform == "linux/arm64"
    assert arm != Image.from_("debian:bookworm-slim")
    assert arm == Image.from_("debian:bookworm-slim", platform="linux/arm64")
    assert "platform='linux/arm64'" in repr(arm)
    assert Image.from_(arm).platform is None  # it runs on arm's: that stage says so


def _builder_and_runtime() -> Image:
    builder = (
        Image.from_("golang:1.19", platform=BUILD_PLATFORM)
        .workdir("/src")
        .run(["go", "version"])
        .named("builder")
    )
    return Image.from_("debian:bookworm-slim", platform="linux/arm64").copy(
        builder / "/usr/local/go/bin/go", "/usr/bin/go"
    )


def test_the_plan_carries_each_stage_platform() -> None:
    plan = compile(_builder_and_runtime())
    assert [(s.name, s.platform) for s in plan.stages] == [
        ("builder", "$BUILDPLATFORM"),
        ("stage-1", "linux/arm64"),
    ]
    assert compile(Image.from_("debian:bookworm-slim")).target.platform is None


def test_the_platform_changes_the_stage_id_and_every_digest_of_the_stage() -> None:
    def plan_of(platform: str | None) -> tuple[str, tuple[str, ...]]:
        plan = compile(Image.from_("debian:bookworm-slim", platform=platform).run("true"))
        return plan.target.id, plan.step_digests[plan.target.id]

    none, amd, arm = plan_of(None), plan_of("linux/amd64"), plan_of("linux/arm64")
    assert len({none[0], amd[0], arm[0]}) == 3
    for step in range(2):  # the base's digest and the run step's
        assert len({none[1][step], amd[1][step], arm[1][step]}) == 3
    assert plan_of("linux/arm64") == arm  # and it is stable


def test_the_dockerfile_says_from_platform_and_the_build_platform_is_buildkits() -> None:
    dockerfile = render(compile(_builder_and_runtime())).dockerfile
    assert dockerfile.splitlines()[0] == "FROM --platform=$BUILDPLATFORM golang:1.19 AS builder"
    assert "FROM --platform=linux/arm64 debian:bookworm-slim AS stage-1\n" in dockerfile


def test_only_the_first_dockerfile_stage_of_a_split_stage_names_the_platform() -> None:
    image = (
        Image.from_("debian:bookworm-slim", platform="linux/arm64")
        .env(NOTE="two\nlines")
        .run("true")
    )
    lines = [line for line in render(compile(image)).dockerfile.splitlines() if line[:5] == "FROM "]
    assert lines == [
        "FROM --platform=linux/arm64 debian:bookworm-slim AS stage-stage-0.1",
        "FROM stage-stage-0.1 AS stage-0",  # inherits the platform of the stage before
    ]


def _mapped_platforms(image: Image, target: str | None) -> list[object]:
    async def is_directory(_container: dagger.Container, _path: str) -> bool:
        return False

    mapping = DaggerMapping(dag, staged=staged_path, is_directory=is_directory, platform=target)
    plan = compile(image)
    containers = anyio.run(mapping.containers, plan)
    return [calls(containers[stage.id])[0] for stage in plan.stages]


def test_dagger_gives_each_stage_its_platform() -> None:
    # The build platform is Dagger's default (no argument): the engine's own platform.
    assert _mapped_platforms(_builder_and_runtime(), "linux/amd64") == [
        ("container", {}),
        ("container", {"platform": "linux/arm64"}),
    ]
    plain = Image.from_("debian:bookworm-slim")
    assert _mapped_platforms(plain, "linux/arm64") == [("container", {"platform": "linux/arm64"})]


def test_plan_shows_each_stage_platform(tmp_path: Path) -> None:
    pipeline = tmp_path / "cross.py"
    pipeline.write_text(
        "from framework import BUILD_PLATFORM, Image\n\n\n"
        "def cross() -> Image:\n"
        "    build = Image.from_('golang:1.19', platform=BUILD_PLATFORM).run('true')\n"
        "    return Image.from_('debian:bookworm-slim').copy(build / '/etc/hostname', '/b')\n"
    )
    shown = cli("plan", str(pipeline), "--json")
    assert shown.returncode == 0, shown.stderr
    stages = json.loads(shown.stdout)["stages"]
    assert [s["platform"] for s in stages] == ["$BUILDPLATFORM", None]
    text = cli("plan", str(pipeline)).stdout
    assert "  FROM --platform=$BUILDPLATFORM golang:1.19\n" in text
    assert "  FROM debian:bookworm-slim\n" in text
