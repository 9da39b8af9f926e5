"""Run mounts on the daemon: bind (context and stage), tmpfs and cache options."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from framework import (
    Bind,
    CacheMount,
    Context,
    Image,
    SilentProgress,
    Tmpfs,
    build,
    compile,
    render,
)
from framework.errors import EngineUnavailable
from tests.e2e.conftest import Docker, cli_env

pytestmark = pytest.mark.e2e

BASE = "debian:bookworm-slim"


def _build(image: Image, docker: Docker, name: str) -> str:
    tag = docker.tag(f"mounts-{name}")
    build(image, tag=tag, progress=SilentProgress())
    return tag


def _sh(docker: Docker, tag: str, script: str) -> str:
    return docker.run(tag, "/bin/sh", "-c", script)


def test_a_bound_context_directory_is_readable_in_run_but_absent_from_the_image(
    docker: Docker, tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "hello.txt").write_text(f"hello {uuid.uuid4().hex}\n")
    (tmp_path / "src" / "debug.log").write_text("ignored\n")
    (tmp_path / ".dockerignore").write_text("**/*.log\n")
    ctx = Context(tmp_path)
    image = (
        Image.from_(BASE)
        .run(
            "cat /mnt/src/hello.txt > /seen; ls -A /mnt/src > /listed;"
            " (touch /mnt/src/new 2>/dev/null && echo writable || echo read-only) > /ro",
            mounts=Bind(ctx / "src", "/mnt/src"),
        )
        .run(
            "echo scribble > /mnt/rw/hello.txt && cat /mnt/rw/hello.txt > /rw-seen",
            mounts=Bind(ctx / "src", "/mnt/rw", rw=True),
        )
    )
    tag = _build(image, docker, "ctx-bind")
    expected = (tmp_path / "src" / "hello.txt").read_text()
    assert _sh(docker, tag, "cat /seen") == expected
    assert _sh(docker, tag, "cat /listed") == "hello.txt\n"  # .dockerignore applies
    assert _sh(docker, tag, "cat /ro") == "read-only\n"
    assert _sh(docker, tag, "cat /rw-seen") == "scribble\n"
    # Nothing of the mounts is in the image (BuildKit 0.8 may leave the empty targets).
    assert _sh(docker, tag, "find /mnt -type f | wc -l") == "0\n"
    assert (tmp_path / "src" / "hello.txt").read_text() == expected  # writes discarded


def test_a_bind_from_another_stage_reads_its_artefact_without_copying(docker: Docker) -> None:
    nonce = uuid.uuid4().hex
    builder = Image.from_(BASE).run(
        f"mkdir -p /out && echo 'artefact {nonce}' > /out/app.txt"
        " && head -c 100000 /dev/urandom > /out/big"
    )
    image = Image.from_(BASE).run(
        "cp /in/app.txt /copied.txt && wc -c < /in/big > /big-size",
        mounts=Bind(builder / "/out", "/in"),
    )
    assert len(compile(image).stages) == 2
    tag = _build(image, docker, "stage-bind")
    assert _sh(docker, tag, "cat /copied.txt") == f"artefact {nonce}\n"
    assert _sh(docker, tag, "cat /big-size") == "100000\n"
    assert (
        _sh(docker, tag, "ls -A /in 2>/dev/null | wc -l; test -e /out && echo out || true") == "0\n"
    )


def test_tmpfs_leaves_nothing_in_the_image(docker: Docker) -> None:
    image = Image.from_(BASE).run(
        "head -c 4096 /dev/urandom > /tmp/build/junk && wc -c < /tmp/build/junk > /made"
        " && grep -q ' /tmp/build tmpfs ' /proc/mounts && echo tmpfs > /kind",
        mounts=Tmpfs("/tmp/build"),
    )
    tag = _build(image, docker, "tmpfs")
    assert _sh(docker, tag, "cat /made /kind") == "4096\ntmpfs\n"
    assert _sh(docker, tag, "find /tmp -type f | wc -l") == "0\n"


def test_a_tmpfs_size_builds_from_docker_23_and_is_refused_before(docker: Docker) -> None:
    image = Image.from_(BASE).run(
        "df -B1 /tmp/build | tail -1 | awk '{print $2}' > /size",
        mounts=Tmpfs("/tmp/build", size=8 << 20),
    )
    if not docker.engine.capabilities.tmpfs_size:
        with pytest.raises(EngineUnavailable, match=r"needs RUN --mount=type=tmpfs,size="):
            build(image, tag=docker.tag("mounts-tmpfs-size"), progress=SilentProgress())
        return
    tag = _build(image, docker, "tmpfs-size")
    assert _sh(docker, tag, "cat /size") == f"{8 << 20}\n"


def test_cache_sharing_modes_render_and_build(docker: Docker) -> None:
    key = uuid.uuid4().hex[:8]
    image = Image.from_(BASE)
    for sharing in ("shared", "private", "locked"):
        mount = CacheMount(
            target=f"/cache/{sharing}", id=f"fw-mounts-{key}-{sharing}", sharing=sharing
        )
        image = image.run(f"touch /cache/{sharing}/x && ls /cache/{sharing} >> /seen", cache=mount)
    dockerfile = render(compile(image)).dockerfile
    assert f"id=fw-mounts-{key}-shared " in dockerfile  # the default: not written
    assert f"id=fw-mounts-{key}-private,sharing=private " in dockerfile
    assert f"id=fw-mounts-{key}-locked,sharing=locked " in dockerfile
    tag = _build(image, docker, "cache-sharing")
    assert _sh(docker, tag, "cat /seen") == "x\nx\nx\n"
    assert _sh(docker, tag, "ls -A /cache 2>/dev/null | wc -l; find /cache -type f | wc -l") in (
        "0\n0\n",
        "3\n0\n",  # BuildKit 0.8 leaves the empty mount targets
    )


def test_cache_defaults_give_a_dockerfiles_owner_and_mode(docker: Docker, tmp_path: Path) -> None:
    key = uuid.uuid4().hex[:8]
    script = "stat -c '%a %u %g' {0} > /stat-{1}"
    (tmp_path / "Dockerfile").write_text(
        f"FROM {BASE}\n"
        f"RUN --mount=type=cache,target=/c-{key} {script.format(f'/c-{key}', 'default')}\n"
        f"RUN --mount=type=cache,target=/d-{key},mode=0700,uid=1000,gid=100"
        f" {script.format(f'/d-{key}', 'options')}\n"
    )
    theirs = docker.tag("mounts-cache-dockerfile")
    built = subprocess.run(
        ["/usr/bin/docker", "build", "-q", "-t", theirs, str(tmp_path)],
        capture_output=True, text=True, env=cli_env(DOCKER_BUILDKIT="1"), timeout=600,
        check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    image = (
        Image.from_(BASE)
        .run(script.format(f"/e-{key}", "default"), cache=f"/e-{key}")
        .run(
            script.format(f"/f-{key}", "options"),
            cache=CacheMount(target=f"/f-{key}", mode=0o700, uid=1000, gid=100),
        )
    )
    ours = _build(image, docker, "cache-defaults")
    for name, expected in (("default", "755 0 0\n"), ("options", "700 1000 100\n")):
        assert _sh(docker, theirs, f"cat /stat-{name}") == expected
        assert _sh(docker, ours, f"cat /stat-{name}") == expected
