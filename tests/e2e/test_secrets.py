"""A secret used by a run step reaches the step and nothing else."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest

from framework import BuildError, Image, PlainProgress, Secret, build, compile, render
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker


def _archive_blobs(archive: Path) -> tuple[list[tuple[str, bytes]], int]:
    """Every file of a ``docker save`` archive, with each layer unpacked too; and how many
    layers were unpacked.

    Layers are the ones ``manifest.json`` lists (``<id>/layer.tar`` before Docker 25,
    ``blobs/sha256/<digest>`` in the OCI layout that Docker 25+ writes).
    """
    blobs: list[tuple[str, bytes]] = []
    with tarfile.open(archive) as outer:
        files = {
            m.name: outer.extractfile(m).read()  # type: ignore[union-attr]
            for m in outer.getmembers()
            if m.isfile()
        }
    layers = {layer for entry in json.loads(files["manifest.json"]) for layer in entry["Layers"]}
    for name, data in files.items():
        blobs.append((name, data))
        if name not in layers:
            continue
        with tarfile.open(fileobj=io.BytesIO(data)) as layer:  # plain or compressed
            for inner in layer.getmembers():
                blobs.append((f"{name}:{inner.name}", inner.name.encode()))
                if inner.isfile():
                    content = layer.extractfile(inner).read()  # type: ignore[union-attr]
                    blobs.append((f"{name}:{inner.name}", content))
    return blobs, len(layers)


def test_secret_reaches_the_step_and_no_layer_config_history_or_log(
    docker: Docker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reliability: ReliabilityReport
) -> None:
    value = f"s3cr3t-{uuid.uuid4().hex}"
    file_value = f"filesecret-{uuid.uuid4().hex}"
    monkeypatch.setenv("FW_TEST_TOKEN", value)
    secret_file = tmp_path / "token.txt"
    secret_file.write_text(file_value)
    token = Secret.env("FW_TEST_TOKEN")
    netrc = Secret.file(secret_file, id="netrc")
    image = (
        Image.from_("debian:bookworm-slim")
        .run(
            # Proves both were readable, prints them (to test redaction), keeps a digest.
            # Secret values are not part of BuildKit's cache key: the nonce makes the
            # step run with this test's values instead of reusing an earlier result.
            f"echo run {uuid.uuid4().hex};"
            ' test -n "$TOKEN" && echo "token is $TOKEN"; cat /run/secrets/netrc; echo;'
            ' printf %s "$TOKEN" | sha256sum > /token.sha256',
            secrets=[token.as_env("TOKEN"), netrc.as_file("/run/secrets/netrc")],
        )
        .env(VISIBLE="yes")
        .label(purpose="secret-test")
    )
    log = io.StringIO()
    tag = docker.tag("secret")
    build(image, tag=tag, progress=PlainProgress(log))

    expected = hashlib.sha256(value.encode()).hexdigest()
    assert docker.run(tag, "cat", "/token.sha256").split()[0] == expected
    printed = log.getvalue()
    assert "token is ***" in printed
    assert value not in printed
    assert file_value not in printed

    plan = compile(image)
    shown_plan = f"{plan!r} {plan.step_digests!r}"  # every field of every stage and op
    assert value not in shown_plan
    assert value not in render(plan).dockerfile
    assert file_value not in shown_plan

    blobs, layers = _archive_blobs(docker.save(tag, tmp_path / "image.tar"))
    assert any(name == "manifest.json" for name, _ in blobs)
    base_layers = len(docker.inspect("debian:bookworm-slim")["RootFS"]["Layers"])  # type: ignore[index]
    assert layers > base_layers  # the base's layers and the run step's were unpacked
    assert any(name.endswith(":token.sha256") for name, _ in blobs)  # the step's own layer
    for name, data in blobs:
        assert value.encode() not in data, f"secret found in {name}"
        assert file_value.encode() not in data, f"file secret found in {name}"
    info = docker.inspect(tag)
    assert value not in json.dumps(info)
    assert file_value not in json.dumps(info)
    history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", tag)
    assert "/run/secrets" in history  # the step is in the history ...
    reliability.record(
        "secrets", "env and file secrets used by a run step",
        f"absent from {len(blobs)} archive entries ({layers} layers unpacked, config, "
        "manifest), image inspect, history, plan JSON, Dockerfile and printed output",
    )  # fmt: skip
    assert value not in history
    assert file_value not in history


def test_secret_printed_by_a_failing_step_is_redacted_in_the_error(
    docker: Docker, monkeypatch: pytest.MonkeyPatch, reliability: ReliabilityReport
) -> None:
    value = f"tok-{uuid.uuid4().hex}"
    monkeypatch.setenv("FW_TEST_FAIL_TOKEN", value)
    image = Image.from_("debian:bookworm-slim").run(
        f'echo "leaking $TOKEN"; echo "again: $TOKEN" >&2; exit 9  # {uuid.uuid4().hex}',
        secrets=[Secret.env("FW_TEST_FAIL_TOKEN").as_env("TOKEN")],
    )
    log = io.StringIO()
    with pytest.raises(BuildError) as caught:
        build(image, tag=docker.tag("leak"), progress=PlainProgress(log))
    message = str(caught.value)
    assert "leaking ***" in message
    assert value not in message
    assert value not in log.getvalue()
    assert "leaking ***" in log.getvalue()
    reliability.record(
        "secrets", "secret value echoed by a failing step",
        "shown as *** in the error and the progress log; the value appears in neither",
    )  # fmt: skip
