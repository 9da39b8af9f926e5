"""The Dagger mapping, checked offline: the real SDK records the calls lazily.

No engine runs here; ``container._ctx.selections`` holds what Dagger would be asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import dagger
import pytest
from dagger import dag

from framework import Context, Image, Inline, Secret, Url, compile
from framework.engines.dagger import DaggerMapping, Unsupported
from framework.plan import RunOp
from framework.spec import Run
from framework.spec.sources import ContextPath
from pipelines.flask_app import flask_app
from pipelines.go_app import go_app
from pipelines.nginx_site import nginx_site

Call = tuple[str, dict[str, Any]]


def calls(obj: Any) -> list[Call]:
    """The recorded selections of a Dagger object, nested objects expanded."""
    out: list[Call] = []
    for field in obj._ctx.selections:
        args: dict[str, Any] = {}
        for key, value in field.args.items():
            if hasattr(value, "_ctx"):
                args[key] = calls(value)
            elif hasattr(value, "value"):  # enums
                args[key] = value.value
            else:
                args[key] = value
        out.append((field.name, args))
    return out


def staged_path(source: ContextPath | Inline | Url) -> str:
    """Where the engine would stage ``source``: named here by what it is."""
    if isinstance(source, Inline | Url):
        return f"/staged/{source.sha256[:8]}"
    return f"/staged/{source.context.path.name}/{source.path}"


def mapped(image: Image, directories: frozenset[str] = frozenset()) -> list[Call]:
    async def is_directory(_container: dagger.Container, path: str) -> bool:
        return path in directories

    mapping = DaggerMapping(dag, staged=staged_path, is_directory=is_directory)
    plan = compile(image)
    containers = anyio.run(mapping.containers, plan)
    return calls(containers[plan.target.id])


def test_flask_pipeline_calls() -> None:
    host: list[Call] = [("host", {})]
    assert mapped(flask_app()) == [
        ("container", {}),
        ("from", {"address": "python:3.11-slim"}),
        # workdir: created (owned by the current user, root here), then set
        ("withDirectory", {"path": "/app", "source": [("directory", {})], "owner": "0:0"}),
        ("withWorkdir", {"path": "/app"}),
        # relative "." resolved against the workdir; a file lands inside it
        (
            "withFile",
            {
                "path": "/app/requirements.txt",
                "source": [*host, ("file", {"path": "/staged/flask_app/requirements.txt"})],
                "owner": "0:0",
            },
        ),
        (
            "withMountedCache",
            {
                "path": "/root/.cache/pip",
                # scoped to the pipeline (pipelines/flask_app.py:flask_app)
                "cache": [("cacheVolume", {"key": "pipeline-c7e207a03edd:/root/.cache/pip"})],
                # sharing SHARED, the Dockerfile's default, is also Dagger's: not sent
            },
        ),
        ("withExec", {"args": ["/bin/sh", "-c", "pip install -r requirements.txt"]}),
        ("withoutMount", {"path": "/root/.cache/pip"}),  # a RUN --mount lasts one step
        (
            "withFile",
            {
                "path": "/app/app.py",
                "source": [*host, ("file", {"path": "/staged/flask_app/app.py"})],
                "owner": "0:0",
            },
        ),
        ("withExposedPort", {"port": 5000}),
        ("withDefaultArgs", {"args": ["python", "app.py"]}),
    ]


def test_go_pipeline_copies_the_binary_out_of_the_build_stage() -> None:
    result = mapped(go_app())
    assert result[0] == ("container", {})  # scratch
    name, args = result[1]
    assert name == "withFile"
    assert args["path"] == "/hello"
    assert args["owner"] == "0:0"  # Dagger would keep the source owner; the spec says root
    builder = args["source"]
    assert builder[:2] == [("container", {}), ("from", {"address": "golang:1.19"})]
    assert builder[-1] == ("file", {"path": "/out/hello"})
    exec_call = next(call for call in builder if call[0] == "withExec")
    assert exec_call[1]["args"] == [
        "/bin/sh", "-c", 'export CGO_ENABLED=0\nexec "$@"', "sh",
        "go", "build", "-trimpath", "-o", "/out/hello", ".",
    ]  # fmt: skip
    assert [c[1]["path"] for c in builder if c[0] == "withoutMount"] == [
        "/root/.cache/go-build",
        "/go/pkg/mod",
    ]
    assert result[2] == ("withEntrypoint", {"args": ["/hello"]})


def test_nginx_pipeline_calls() -> None:
    result = mapped(nginx_site())
    assert result[1] == ("from", {"address": "debian:bookworm-slim"})
    assert result[2][0] == "withExec"
    assert result[2][1]["args"][:2] == ["/bin/sh", "-c"]
    assert result[3][0] == "withFile"
    assert result[3][1]["path"] == "/var/www/html/index.html"
    assert result[4:] == [
        ("withExposedPort", {"port": 80}),
        ("withDefaultArgs", {"args": ["nginx", "-g", "daemon off;"]}),
    ]


def test_config_steps_keep_values_literal() -> None:
    image = (
        Image.from_("debian:bookworm-slim")
        .env(PRICE="$5 and ${HOME}")
        .label({"org.example.note": 'a "quoted" $value'})
        .user("1000:1000")
        .expose(53, "udp")
        .entrypoint(["/bin/app", "--flag"])
        .cmd("serve --port 80")
        .healthcheck(["/bin/check"], interval=5, timeout=2, start_period=1.5, retries=4)
    )
    assert mapped(image)[2:] == [
        ("withEnvVariable", {"name": "PRICE", "value": "$5 and ${HOME}"}),  # expand: off
        ("withLabel", {"name": "org.example.note", "value": 'a "quoted" $value'}),
        ("withUser", {"name": "1000:1000"}),
        ("withExposedPort", {"port": 53, "protocol": "UDP"}),
        ("withEntrypoint", {"args": ["/bin/app", "--flag"]}),  # drops inherited args
        ("withDefaultArgs", {"args": ["/bin/sh", "-c", "serve --port 80"]}),
        (
            "withDockerHealthcheck",
            {
                "args": ["/bin/check"],
                "interval": "5s",
                "timeout": "2s",
                "startPeriod": "1.5s",
                "retries": 4,
            },
        ),
    ]
    assert mapped(Image.from_("x").healthcheck(None))[2] == ("withoutDockerHealthcheck", {})


def test_run_with_secrets_env_and_cache_mounts(tmp_path: Path) -> None:
    token = Secret.env("API_TOKEN")
    netrc = Secret.file(tmp_path / "netrc", id="netrc")
    image = Image.from_("debian:bookworm-slim").run(
        ["curl", "-n", "https://example.invalid"],
        env={"MODE": "it's $literal"},
        cache=["/var/cache/apt"],
        secrets=[token.as_env("TOKEN"), netrc.as_file("/root/.netrc")],
    )
    step = image.steps[0]
    assert isinstance(step, Run)
    op = compile(image).target.steps[0]
    assert isinstance(op, RunOp)
    assert mapped(image)[2:] == [
        (
            "withMountedCache",
            {
                "path": "/var/cache/apt",
                "cache": [("cacheVolume", {"key": step.cache[0].cache_id})],
            },
        ),
        (
            "withMountedSecret",
            {"path": "/run/secrets/API_TOKEN", "source": [("secret", {"uri": "env://API_TOKEN"})]},
        ),
        (
            "withMountedSecret",
            {
                "path": "/root/.netrc",
                "source": [("secret", {"uri": f"file://{tmp_path / 'netrc'}"})],
            },
        ),
        # the same prelude as the docker engine: literal env, secret read from its mount
        ("withExec", {"args": list(op.argv)}),
        ("withoutMount", {"path": "/var/cache/apt"}),
        ("withoutMount", {"path": "/run/secrets/API_TOKEN"}),
        ("withoutMount", {"path": "/root/.netrc"}),
    ]
    assert op.argv[2].startswith("export MODE='it'\"'\"'s $literal'\n")


def test_copies_pin_destination_owner_and_mode(tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "mod.py").write_text("x = 1\n")
    (tmp_path / "src" / "tool.sh").write_text("#!/bin/sh\n")
    ctx = Context(tmp_path / "src", exclude=["**/__pycache__"])
    builder = Image.from_("debian:bookworm-slim").named("builder").run("make")
    image = (
        Image.from_("debian:bookworm-slim")
        .workdir("/srv")
        .copy(ctx / "pkg", "lib", owner="app:app", mode=0o640)
        .copy(ctx / "tool.sh", "bin/")
        .copy(Inline(b"\x00binary"), "/etc/blob", mode=0o600)
        .copy(builder / "/out", "/opt/out")
        .copy(builder / "/out/one", "/opt/")
    )
    host: list[Call] = [("host", {})]
    result = mapped(image, directories=frozenset({"/out"}))
    assert result[4] == (
        "withDirectory",
        {
            "path": "/srv/lib",
            "source": [*host, ("directory", {"path": "/staged/src/pkg"})],
            "owner": "app:app",
            "permissions": 0o640,
        },
    )
    assert result[5] == (
        "withFile",
        {
            "path": "/srv/bin/tool.sh",
            "source": [*host, ("file", {"path": "/staged/src/tool.sh"})],
            "owner": "0:0",
        },
    )
    assert result[6][0] == "withFile"
    assert result[6][1]["path"] == "/etc/blob"
    assert result[6][1]["permissions"] == 0o600
    assert result[6][1]["source"][-1][0] == "file"
    assert result[7][0] == "withDirectory"  # /out is a directory: its contents
    assert result[7][1]["path"] == "/opt/out"
    assert result[7][1]["source"][-1] == ("directory", {"path": "/out"})
    assert result[8][0] == "withFile"  # a file copied into a directory keeps its name
    assert result[8][1]["path"] == "/opt/one"
    assert result[8][1]["source"][-1] == ("file", {"path": "/out/one"})


def test_network_off_is_refused_rather_than_ignored() -> None:
    with pytest.raises(Unsupported, match="network=False"):
        mapped(Image.from_("debian:bookworm-slim").run("true", network=False))


def test_user_is_inherited_by_a_derived_stage_and_owns_its_new_workdir() -> None:
    base = Image.from_("debian:bookworm-slim").named("base").user("1000:1000")
    derived = Image.from_(base).workdir("/home/app")
    result = mapped(derived)
    assert (
        "withDirectory",
        {"path": "/home/app", "source": [("directory", {})], "owner": "1000:1000"},
    ) in result


def test_entrypoint_keeps_a_cmd_set_earlier_in_the_stage_only() -> None:
    image = Image.from_("debian:bookworm-slim").cmd(["serve"]).entrypoint(["/app"])
    assert mapped(image)[-1] == ("withEntrypoint", {"args": ["/app"], "keepDefaultArgs": True})
    inherited = Image.from_(Image.from_("debian:bookworm-slim").named("b").cmd(["x"]))
    assert mapped(inherited.entrypoint(["/app"]))[-1] == ("withEntrypoint", {"args": ["/app"]})
