"""A remote build host: the docker engine builds on the daemon that ``DockerEngine(host=...)``
or ``DOCKER_HOST`` names, and two such hosts share build cache through a registry.

The hosts are network namespaces these tests make (tests/e2e/netns_hosts.py), each with a
dockerd listening on its own address; the registry listens on the first veth pair; an
sshd in a namespace (tests/e2e/netns_ssh.py) stands for a build host reached over ssh.
"""

from __future__ import annotations

import json
import tarfile
import uuid
from pathlib import Path

import pytest

from framework import DockerEngine, SilentProgress, build
from framework.images import inspect_image, list_images
from tests.e2e.conftest import Docker, cli
from tests.e2e.netns_hosts import lab
from tests.e2e.netns_ssh import ssh_door
from tests.e2e.remote_pipeline import stamped

RUN = "RUN test -s /run/token && head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n' > stamp"
TOKEN = {"FW_REMOTE_TOKEN": f"remote-token-{uuid.uuid4().hex}"}  # the secret the RUN needs


def _statuses(steps: list[dict[str, str]]) -> dict[str, str]:
    return {s["description"]: s["status"] for s in steps if s["status"] != "config"}


def test_build_on_a_remote_host_then_reuse_its_cache_on_another(
    docker: Docker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in TOKEN.items():
        monkeypatch.setenv(name, value)
    with lab(2, docker.path) as hosts:
        first, second = hosts.hosts
        name = f"fw-e-remote-{uuid.uuid4().hex[:8]}"
        tag = f"{name}:1"
        cache = f"{hosts.registry}/fw-e/{name}:cache"
        archive = tmp_path / "image.tar"

        built = build(
            stamped(), tag=tag, engine=DockerEngine(host=first.docker_host), cache_to=[cache],
            archive=archive, progress=SilentProgress(),
        )  # fmt: skip

        # The image is in the first host's store, and only there.
        assert inspect_image(tag, host=first.docker_host)["Id"] == built.image_id
        assert any(row["repository"] == name for row in list_images(host=first.docker_host))
        assert not docker.exists(tag)
        assert second.docker("image", "inspect", tag, check=False).returncode != 0
        ran = {s.description: s.status for s in built.steps if s.status != "config"}
        assert ran[RUN] == "executed"
        # The remote daemon pushed the image with its inline cache to the registry.
        assert built.pushed[0].startswith(f"{cache}@sha256:")
        # The archive is written here, by the client, from the remote store.
        with tarfile.open(archive) as saved:
            assert "manifest.json" in saved.getnames()
        stamp = first.docker("run", "--rm", tag, "cat", "/srv/stamp").stdout
        assert len(stamp) == 32

        # The second host starts without the image; DOCKER_HOST points the CLI at it.
        again = cli(
            "build", "tests/e2e/remote_pipeline.py:stamped", "-t", tag,
            "--cache-from", cache, "--json", env={"DOCKER_HOST": second.docker_host, **TOKEN},
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        summary = json.loads(again.stdout)
        assert _statuses(summary["steps"]) == {
            "WORKDIR /srv": "cached",
            "COPY flask_app/app.py -> .": "cached",
            RUN: "cached",
        }
        assert not docker.exists(tag)
        # The random stamp came from the first host's build, through the registry.
        assert second.docker("run", "--rm", tag, "cat", "/srv/stamp").stdout == stamp


def test_build_over_ssh_lands_in_that_hosts_store(docker: Docker) -> None:
    with lab(1, docker.path) as hosts:
        (host,) = hosts.hosts
        with ssh_door(host, hosts.directory / "ssh") as env:
            tag = f"fw-e-ssh-{uuid.uuid4().hex[:8]}:1"
            assert env["DOCKER_HOST"].startswith("ssh://")
            result = cli(
                "build", "tests/e2e/remote_pipeline.py:stamped", "-t", tag, "--json",
                env={**env, **TOKEN},
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
            summary = json.loads(result.stdout)
            assert _statuses(summary["steps"])[RUN] == "executed"
        # Checked over tcp, with ssh gone: the image is in that host's store, not here.
        stored = host.docker("image", "inspect", "-f", "{{.Id}}", tag).stdout.strip()
        assert stored == summary["image_id"]
        assert not docker.exists(tag)
        assert len(host.docker("run", "--rm", tag, "cat", "/srv/stamp").stdout) == 32
