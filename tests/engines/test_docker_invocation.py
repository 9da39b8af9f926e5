"""The daemon-dependent parts of the docker build command, as values (no daemon needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framework import EngineUnavailable, Image, SilentProgress, SpecError, build, compile
from framework.engines.base import BuildRequest
from framework.engines.docker.capabilities import Attestation, Capabilities
from framework.engines.docker.invocation import build_flags, image_id, refuse_unsupported

DOCKER_20 = Capabilities(daemon="20.10.24", daemon_version=(20, 10), client_mode="native")
DOCKER_26 = Capabilities(
    daemon="26.1.5", daemon_version=(26, 1), client_mode="buildx", builder="default",
    buildx=(0, 13),
)  # fmt: skip
DOCKER_26_CONTAINERD = Capabilities(
    daemon="26.1.5", daemon_version=(26, 1), client_mode="buildx", containerd_store=True,
    builder="default", buildx=(0, 13),
)  # fmt: skip
OLD_BUILDX = Capabilities(
    daemon="20.10.24", daemon_version=(20, 10), client_mode="buildx", builder="default",
    buildx=(0, 9),
)  # fmt: skip
WORK = Path("/w")


def test_capabilities_follow_the_daemon_version_and_store() -> None:
    assert (DOCKER_20.network_none, DOCKER_20.source_date_epoch) == (False, False)
    assert (DOCKER_26.network_none, DOCKER_26.source_date_epoch) == (True, True)
    assert DOCKER_20.features.copy_link is False
    assert DOCKER_26.features.copy_link is True
    assert DOCKER_26.attestations == ()  # the classic store drops them
    assert DOCKER_26_CONTAINERD.attestations == ("provenance", "sbom")
    assert DOCKER_26_CONTAINERD.describe() == (
        "Docker 26.1.5 (BuildKit 0.13, containerd image store, buildx)"
    )


def test_buildx_names_the_daemons_builder_and_turns_attestations_off() -> None:
    flags = build_flags(DOCKER_26, WORK, (), {"SOURCE_DATE_EPOCH": "1700000000"})
    assert flags == [
        "--builder", "default", "--provenance=false", "--sbom=false",
        "--iidfile", "/w/iid", "--build-arg", "SOURCE_DATE_EPOCH=1700000000",
    ]  # fmt: skip
    provenance: tuple[Attestation, ...] = ("provenance",)
    asked = build_flags(DOCKER_26_CONTAINERD, WORK, provenance, {})
    assert "--provenance=mode=max" in asked
    assert "--sbom=false" in asked
    assert asked[-2:] == ["--metadata-file", "/w/metadata.json"]


def test_buildx_before_0_10_makes_no_attestations_and_gets_no_flags_for_them() -> None:
    flags = build_flags(OLD_BUILDX, WORK, (), {})
    assert flags == ["--builder", "default", "--iidfile", "/w/iid"]
    assert OLD_BUILDX.attestations == ()


def test_native_client_writes_an_iidfile_and_gets_no_source_date_epoch() -> None:
    flags = build_flags(DOCKER_20, WORK, (), {"SOURCE_DATE_EPOCH": "1"})
    assert flags == ["--iidfile", "/w/iid"]


def test_image_id_is_the_iidfile_or_the_manifest_digest_by_store(tmp_path: Path) -> None:
    # BuildKit 0.8 (Docker 20.10) behind buildx writes no config digest to the metadata.
    metadata = {"containerimage.digest": "sha256:m"}
    (tmp_path / "metadata.json").write_text(json.dumps(metadata))
    (tmp_path / "iid").write_text("sha256:i\n")
    assert image_id(DOCKER_26, tmp_path) == "sha256:i"
    assert image_id(OLD_BUILDX, tmp_path) == "sha256:i"
    assert image_id(DOCKER_26_CONTAINERD, tmp_path) == "sha256:m"
    assert image_id(DOCKER_20, tmp_path) == "sha256:i"


def _request(image: Image, attest: tuple[str, ...] = ()) -> BuildRequest:
    return BuildRequest(
        plan=compile(image), tags=(), progress=SilentProgress(),
        attest=attest,  # type: ignore[arg-type]
    )  # fmt: skip


def test_network_false_is_refused_on_docker_20_naming_the_daemon_and_the_step() -> None:
    request = _request(Image.from_("debian").run("true", network=False))
    refuse_unsupported(DOCKER_26, request)
    with pytest.raises(EngineUnavailable) as caught:
        refuse_unsupported(DOCKER_20, request)
    assert "Docker 20.10.24 (BuildKit 0.8" in caught.value.problem
    assert "Docker 23" in caught.value.problem
    assert "test_docker_invocation.py:" in caught.value.problem


def test_attestations_are_refused_where_they_cannot_be_stored() -> None:
    request = _request(Image.from_("debian").run("true"), ("provenance",))
    refuse_unsupported(DOCKER_26_CONTAINERD, request)
    for caps in (DOCKER_20, DOCKER_26):
        with pytest.raises(EngineUnavailable, match="provenance attestation") as caught:
            refuse_unsupported(caps, request)
        assert caps.describe() in caught.value.problem


def test_an_unknown_attestation_is_a_spec_error_before_any_engine() -> None:
    with pytest.raises(SpecError, match="unknown attestation 'slsa'"):
        build(Image.from_("debian").run("true"), attest=["slsa"], engine="nonexistent")
