"""One table of build cases, run on every engine that is reachable.

Each case builds an image and compares what is really in it (file tree, owners, modes,
config) with what the spec says. An engine that cannot honour a case fails it; an
engine that cannot be reached skips, saying why.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from framework import Context, Image, Inline, Secret, SilentProgress, build
from framework.engines.registry import registered
from framework.errors import LiteralDollarWarning
from tests.e2e.conftest import Docker


@dataclass(frozen=True)
class Case:
    name: str
    image: Callable[[Path], Image]
    check: Callable[[Docker, str], None]


def _tree(tmp: Path) -> Context:
    (tmp / "app" / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp / "app" / "pkg" / "mod.py").write_text("x = 1\n")
    (tmp / "app" / "pkg" / "__pycache__" / "mod.pyc").write_bytes(b"junk")
    (tmp / "app" / "run.sh").write_text("#!/bin/sh\necho run\n")
    (tmp / "app" / "run.sh").chmod(0o755)
    (tmp / "app" / "notes.log").write_text("log\n")
    (tmp / "app" / "secret.key").write_text("key\n")
    (tmp / "app" / "secret.key").chmod(0o600)
    return Context(tmp / "app", exclude=["**/__pycache__", "*.log"])


def _listing(docker: Docker, tag: str, root: str) -> list[str]:
    out = docker.run(tag, "find", root, "-printf", "%p %m %U:%G %y\n")
    return sorted(out.splitlines())


def file_tree_image(tmp: Path) -> Image:
    ctx = _tree(tmp)
    return (
        Image.from_("debian:bookworm-slim")
        .workdir("/srv")
        .copy(ctx, "whole")  # a directory: its contents, patterns applied
        .copy(ctx / "run.sh", "bin/")  # into a directory: keeps its name
        .copy(ctx / "pkg/mod.py", "/opt/renamed.py")  # at dest
        .copy(Inline("inline\n"), "/opt/inline.txt")
    )


def file_tree_check(docker: Docker, tag: str) -> None:
    assert _listing(docker, tag, "/srv") == [
        "/srv 755 0:0 d",
        "/srv/bin 755 0:0 d",
        "/srv/bin/run.sh 755 0:0 f",
        "/srv/whole 755 0:0 d",
        "/srv/whole/pkg 755 0:0 d",
        "/srv/whole/pkg/mod.py 644 0:0 f",
        "/srv/whole/run.sh 755 0:0 f",
        "/srv/whole/secret.key 600 0:0 f",
    ]
    assert _listing(docker, tag, "/opt") == [
        "/opt 755 0:0 d",
        "/opt/inline.txt 644 0:0 f",
        "/opt/renamed.py 644 0:0 f",
    ]


def owner_mode_image(tmp: Path) -> Image:
    ctx = _tree(tmp)
    return (
        Image.from_("debian:bookworm-slim")
        .copy(ctx / "pkg", "/owned", owner="1000:1001", mode=0o750)
        .copy(ctx / "run.sh", "/usr/local/bin/run", owner="1000")
        .copy(Inline(b"\x00\xffdata"), "/etc/blob", mode=0o400)
    )


def owner_mode_check(docker: Docker, tag: str) -> None:
    assert _listing(docker, tag, "/owned") == [
        "/owned 755 1000:1001 d",  # created by the copy: the owner asked for
        "/owned/mod.py 750 1000:1001 f",
    ]
    stat = docker.run(tag, "stat", "-c", "%a %u:%g", "/usr/local/bin/run", "/etc/blob")
    assert stat.splitlines() == ["755 1000:1000", "400 0:0"]
    assert docker.run(tag, "od", "-An", "-tx1", "/etc/blob").split() == [
        "00", "ff", "64", "61", "74", "61",
    ]  # fmt: skip


def config_image(_tmp: Path) -> Image:
    with pytest.warns(LiteralDollarWarning, match=r"\$PATH literally"):  # literal, as meant
        literal = Image.from_("debian:bookworm-slim").env(
            LITERAL='$HOME ${PATH} \\n "q"', PLAIN="1"
        )
    return (
        literal.label({"org.example.quote": 'it\'s "$x"'})
        .workdir("/data/work")
        .user("1000:1000")
        .expose(8080)
        .expose(53, "udp")
        .entrypoint(["/bin/echo", "entry"])
        .cmd(["default", "args"])
    )


def config_check(docker: Docker, tag: str) -> None:
    config = docker.inspect(tag)["Config"]
    assert isinstance(config, dict)
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["LITERAL"] == '$HOME ${PATH} \\n "q"'
    assert env["PLAIN"] == "1"
    assert config["Labels"]["org.example.quote"] == 'it\'s "$x"'
    assert config["WorkingDir"] == "/data/work"
    assert config["User"] == "1000:1000"
    assert set(config["ExposedPorts"]) == {"8080/tcp", "53/udp"}
    assert config["Entrypoint"] == ["/bin/echo", "entry"]
    assert config["Cmd"] == ["default", "args"]
    assert docker.run(tag).strip() == "entry default args"
    stat = docker.run(tag, "-c", "%u %n", "/data/work", entrypoint="stat")
    assert stat.strip() == "0 /data/work"  # created by workdir, before user(): root


def multistage_image(_tmp: Path) -> Image:
    builder = (
        Image.from_("debian:bookworm-slim")
        .named("builder")
        .run(
            "mkdir -p /out/tree/sub && echo a > /out/tree/sub/a && echo b > /out/one"
            " && chown -R 1000:1000 /out && chmod 700 /out/tree/sub"
        )
    )
    return (
        Image.from_("debian:bookworm-slim")
        .copy(builder / "/out/tree", "/copied")
        .copy(builder / "/out/one", "/files/")
        .copy(builder / "/out/one", "/files/owned", owner="1000:1000")
    )


def multistage_check(docker: Docker, tag: str) -> None:
    assert _listing(docker, tag, "/copied") == [
        "/copied 755 0:0 d",
        "/copied/sub 700 0:0 d",  # mode kept, owner reset to root
        "/copied/sub/a 644 0:0 f",
    ]
    assert _listing(docker, tag, "/files") == [
        "/files 755 0:0 d",
        "/files/one 644 0:0 f",
        "/files/owned 644 1000:1000 f",
    ]


def mounts_image(tmp: Path) -> Image:
    secret_file = tmp / "token"
    secret_file.write_text("file-secret-value")
    nonce = uuid.uuid4().hex  # secret values are not cache keys: force this step to run
    return Image.from_("debian:bookworm-slim").run(
        f"echo {nonce} > /cache/stamp && ls /cache > /seen-in-step"
        " && test -s /run/secrets/token && echo ok > /secret-was-readable",
        cache="/cache",
        secrets=[Secret.file(secret_file, id="token").as_file("/run/secrets/token")],
    )


def mounts_check(docker: Docker, tag: str) -> None:
    assert docker.run(tag, "cat", "/seen-in-step").split() == ["stamp"]
    assert docker.run(tag, "cat", "/secret-was-readable").strip() == "ok"
    # Mount targets are absent (BuildKit 0.11+ removes the directories it made for them)
    # or empty (Docker 20.10): neither cache content nor the secret file is in the image.
    script = "for d in /cache /run/secrets; do test ! -e $d || ls -A $d; done"
    assert docker.run(tag, "sh", "-c", script) == ""


def env_expand_image(_tmp: Path) -> Image:
    return (
        Image.from_("python:3.11-slim")
        .env(PATH="/venv/bin:$PATH", TOOL="${PATH}:x", expand=True)
        .env(LITERAL="no $HOME here")
        .run("echo $PATH > /path-in-run")
    )


def env_expand_check(docker: Docker, tag: str) -> None:
    base_path = _env(docker, "python:3.11-slim")["PATH"]
    assert "/usr/local/bin" in base_path.split(":")
    env = _env(docker, tag)
    assert env["PATH"] == "/venv/bin:" + base_path  # the base image's PATH, expanded
    assert env["TOOL"] == base_path + ":x"  # from the env before this step
    assert env["LITERAL"] == "no $HOME here"
    assert docker.run(tag, "cat", "/path-in-run").strip() == "/venv/bin:" + base_path


def _env(docker: Docker, reference: str) -> dict[str, str]:
    config = docker.inspect(reference)["Config"]
    assert isinstance(config, dict)
    return dict(item.split("=", 1) for item in config["Env"])


CASES = [
    Case("env-expand", env_expand_image, env_expand_check),
    Case("file-tree", file_tree_image, file_tree_check),
    Case("owner-mode", owner_mode_image, owner_mode_check),
    Case("config", config_image, config_check),
    Case("multistage", multistage_image, multistage_check),
    Case("mounts", mounts_image, mounts_check),
]


@pytest.fixture(params=[kind.name for kind in registered()])
def engine(request: pytest.FixtureRequest, docker: Docker) -> str:
    name: str = request.param
    kind = next(k for k in registered() if k.name == name)
    if kind.reachable() is None:
        pytest.skip(
            f"no {name} engine reachable without a download here (for Dagger: no Dagger "
            "session, no dagger CLI on PATH; neither can be fetched on this machine)"
        )
    return name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_conformance(engine: str, case: Case, docker: Docker, tmp_path: Path) -> None:
    tag = docker.tag(f"conf-{case.name}")
    build(case.image(tmp_path), tag=tag, engine=engine, progress=SilentProgress())
    case.check(docker, tag)
