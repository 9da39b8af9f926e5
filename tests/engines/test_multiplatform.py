"""Target platforms as a build option: checked before any engine starts, refused where
the daemon cannot make them, and the index a classic store's build assembles, as values
(no daemon: the registry round trip is in tests/e2e/test_platforms.py)."""

from __future__ import annotations

import json

import anyio
import pytest

from framework import BUILD_PLATFORM, EngineUnavailable, Image, SilentProgress, SpecError, build
from framework import compile as compile_plan
from framework.engines.base import BuildRequest, StepReport
from framework.engines.dagger.engine import DaggerEngine
from framework.engines.docker.invocation import refuse_unsupported
from framework.engines.docker.multiplatform import (
    DOCKER_LIST,
    OCI_INDEX,
    PlatformManifest,
    Registry,
    index_document,
    merge_reports,
    platform_order,
)
from framework.spec.platforms import platform_of_machine
from tests.e2e.conftest import cli
from tests.engines.test_docker_invocation import DOCKER_20, DOCKER_26, DOCKER_26_CONTAINERD

BOTH = ("linux/amd64", "linux/arm64")
IMAGE = Image.from_("debian:bookworm-slim").run("true")


def request(**changes: object) -> BuildRequest:
    fields: dict[str, object] = {
        "plan": compile_plan(IMAGE),
        "tags": ("127.0.0.1:5000/app:1",),
        "progress": SilentProgress(),
        "platforms": BOTH,
        **changes,
    }
    return BuildRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("platforms", "says"),
    [
        ("linux/x86_64", "did you mean 'linux/amd64'?"),
        (["linux/arm64", "arm64"], "is not os/arch[/variant]"),
        ([BUILD_PLATFORM], "not a target of the build"),
    ],
)
def test_a_bad_target_platform_is_refused_before_any_engine(
    platforms: str | list[str], says: str
) -> None:
    with pytest.raises(SpecError) as caught:
        build(IMAGE, tag="app:1", platforms=platforms, engine="no-such-engine")
    assert says in caught.value.problem


def test_several_platforms_need_a_tag() -> None:
    with pytest.raises(SpecError) as caught:
        build(IMAGE, platforms=list(BOTH), engine="no-such-engine")
    assert "2 platforms (linux/amd64, linux/arm64)" in caught.value.problem
    assert "registry:5000/name:tag" in caught.value.fix


def test_the_cli_splits_platforms_at_commas_and_refuses_a_bad_one_as_a_spec_error() -> None:
    done = cli("build", "pipelines/go_app.py", "--platform", "linux/amd64, linux/aarch64", "--json")
    assert done.returncode == 3, done.stderr
    failure = json.loads(done.stdout)
    assert "did you mean 'linux/arm64'?" in failure["message"]


@pytest.mark.parametrize("caps", [DOCKER_20, DOCKER_26])
def test_the_classic_store_refuses_several_platforms_without_a_push(caps: object) -> None:
    with pytest.raises(EngineUnavailable) as caught:
        refuse_unsupported(caps, request(push=False))  # type: ignore[arg-type]
    assert "holds one platform per tag" in caught.value.problem
    assert "push" in caught.value.fix
    refuse_unsupported(caps, request(push=True))  # type: ignore[arg-type]
    refuse_unsupported(caps, request(push=False, platforms=("linux/arm64",)))  # type: ignore[arg-type]


@pytest.mark.parametrize("output", [{"archive": "/tmp/x.tar"}, {"cache_to": ("r/c:1",)}])
def test_the_classic_store_refuses_several_platforms_to_an_archive_or_cache(
    output: dict[str, object],
) -> None:
    with pytest.raises(EngineUnavailable, match="none is in the local store"):
        refuse_unsupported(DOCKER_20, request(push=True, **output))


def test_the_containerd_store_holds_several_platforms_without_a_push() -> None:
    refuse_unsupported(DOCKER_26_CONTAINERD, request(push=False))


def test_dagger_refuses_several_platforms_before_connecting() -> None:
    with pytest.raises(EngineUnavailable, match="one platform per build"):
        anyio.run(DaggerEngine().build, request())


def test_the_daemons_own_platform_is_built_last_so_it_keeps_the_local_tags() -> None:
    assert platform_order(BOTH, "linux/amd64") == ("linux/arm64", "linux/amd64")
    assert platform_order(BOTH, "linux/arm64") == BOTH
    assert platform_order(("linux/arm/v7", "linux/arm64"), "linux/arm") == (
        "linux/arm64",
        "linux/arm/v7",
    )
    assert platform_order(BOTH, None) == BOTH
    assert platform_of_machine("linux", "x86_64") == "linux/amd64"
    assert platform_of_machine("linux", "aarch64") == "linux/arm64"
    assert platform_of_machine("Linux", "amd64") == "linux/amd64"


def test_the_index_lists_each_platform_with_its_manifest() -> None:
    docker = "application/vnd.docker.distribution.manifest.v2+json"
    manifests = [
        PlatformManifest("linux/amd64", "sha256:" + "a" * 64, 527, docker),
        PlatformManifest("linux/arm/v7", "sha256:" + "b" * 64, 528, docker),
    ]
    media_type, body = index_document(manifests)
    assert media_type == DOCKER_LIST
    assert json.loads(body) == {
        "schemaVersion": 2,
        "mediaType": DOCKER_LIST,
        "manifests": [
            {"mediaType": docker, "size": 527, "digest": "sha256:" + "a" * 64,
             "platform": {"architecture": "amd64", "os": "linux"}},
            {"mediaType": docker, "size": 528, "digest": "sha256:" + "b" * 64,
             "platform": {"architecture": "arm", "os": "linux", "variant": "v7"}},
        ],
    }  # fmt: skip
    oci = PlatformManifest("linux/arm64", "sha256:" + "c" * 64, 400, OCI_INDEX)
    assert index_document([manifests[0], oci])[0] == OCI_INDEX


def test_a_reference_names_its_registry_repository_and_tag() -> None:
    registry, tag = Registry.of("127.0.0.1:5000/team/app:1.0")
    assert (registry.host, registry.repository, tag) == ("127.0.0.1:5000", "team/app", "1.0")
    registry, tag = Registry.of("app")
    assert (registry.host, registry.repository, tag) == (
        "registry-1.docker.io",
        "library/app",
        "latest",
    )


def test_a_step_is_executed_if_any_platform_ran_it_and_durations_add_up() -> None:
    def report(status: str, duration: float) -> StepReport:
        return StepReport(
            stage="s",
            index=1,
            description="RUN x",
            status=status,  # type: ignore[arg-type]
            duration=duration,
        )

    merged = merge_reports([[report("cached", 0.1)], [report("executed", 2.0)]])
    assert [(r.status, r.duration) for r in merged] == [("executed", 2.1)]
    merged = merge_reports([[report("cached", 0.0)], [report("cached", 0.0)]])
    assert merged[0].status == "cached"
