"""The failure paths that need no daemon: what the CLI prints (and ``--json`` holds),
the exit codes, and pipeline scripts reporting like the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from framework import Image, SilentProgress, SpecError, build
from framework.cli import main
from framework.engines import DockerEngine, select_engine
from framework.engines.base import Outputs
from framework.errors import BuildError, EngineUnavailable, Interrupted, UsageError
from framework.failures import failure_of
from framework.spec.references import tag_problem

ROOT = Path(__file__).resolve().parents[1]
DEAD_DAEMON = "unix:///nonexistent/fw-dead.sock"

TYPED = """\
from framework import Image

def typed(port: int = 80) -> Image:
    return Image.from_("debian:bookworm-slim").expose(port)
"""

INVALID = """\
from framework import Image

def invalid() -> Image:
    return Image.from_("debian:bookworm-slim").expose(99999)
"""

BUILDS_ON_IMPORT = """\
from framework import Image, build

image = Image.from_("debian:bookworm-slim").run("true")
build(image, tag="fw-test-import-build")
"""


@pytest.fixture
def pipelines(tmp_path: Path) -> Path:
    for name, text in (("typed", TYPED), ("invalid", INVALID), ("on_import", BUILDS_ON_IMPORT)):
        (tmp_path / f"{name}.py").write_text(text)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object], str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_json_on_every_failure_path_without_a_daemon(
    pipelines: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("DOCKER_HOST", DEAD_DAEMON)
    typed, invalid = str(pipelines / "typed.py"), str(pipelines / "invalid.py")
    cases = [
        # (arguments, exit code, kind, text the message holds)
        (["build", "--json"], 2, "usage", "the following arguments are required: TARGET"),
        (["build", typed, "--json", "--engine", "podman"], 2, "usage", "invalid choice"),
        (["build", typed, "--json", "--port", "abc"], 2, "usage", "parameter 'port' got 'abc'"),
        (["build", typed, "--json", "--colour", "red"], 2, "usage", "unknown option(s) --colour"),
        (["build", typed, "--json", "-t", "Bad Tag"], 2, "usage", "contains whitespace"),
        (["build", invalid, "--json"], 3, "spec", "port 99999"),
        (["plan", invalid, "--json"], 3, "spec", "port 99999"),
        (["build", typed, "--json"], 4, "engine", "no Docker daemon answers"),
        (["list", "--json", "--extra"], 2, "usage", "unrecognised arguments: --extra"),
    ]
    for arguments, exit_code, kind, message in cases:
        code, summary, err = _run(capsys, *arguments)
        assert (code, summary["exit_code"], summary["kind"]) == (exit_code, exit_code, kind), err
        assert summary["ok"] is False
        assert message in str(summary["message"]), summary
        assert set(summary) >= {"message", "fix", "where", "step", "exit_code", "kind", "ok"}
        assert message in err  # the same failure, for people, on stderr
    code, summary, _ = _run(capsys, "build", invalid, "--json")
    assert str(summary["where"]).endswith("invalid.py:4")
    assert summary["fix"]


def test_json_when_the_client_is_not_a_docker_client(
    pipelines: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRAMEWORK_DOCKER", "/bin/true")
    code, summary, _ = _run(capsys, "build", str(pipelines / "typed.py"), "--json")
    assert code == 4
    assert summary["kind"] == "engine"
    assert "/bin/true" in str(summary["message"])


def test_bad_parameter_value_is_a_usage_error_from_options_and_environment(
    pipelines: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["plan", str(pipelines / "typed.py"), "--port", "abc"]) == 2
    assert "--port" in capsys.readouterr().err
    monkeypatch.setenv("FRAMEWORK_PARAM_PORT", "abc")
    assert main(["plan", str(pipelines / "typed.py")]) == 2
    assert "FRAMEWORK_PARAM_PORT" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["plan", "render", "graph", "build"])
def test_a_file_that_builds_on_import_is_refused_not_built(
    command: str,
    pipelines: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No daemon answers: had the import reached the engine this would be exit 4.
    monkeypatch.setenv("DOCKER_HOST", DEAD_DAEMON)
    target = pipelines / "on_import.py"
    assert main([command, f"{target}:image"]) == 3
    err = capsys.readouterr().err
    assert "on_import.py builds an image when it is imported" in err
    assert f"{target}:4" in err  # the line of the build() call
    assert '__name__ == "__main__"' in err


def test_a_module_that_builds_on_import_is_refused_not_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", DEAD_DAEMON)
    module = f"fw_builds_on_import_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(BUILDS_ON_IMPORT)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["plan", f"{module}:image"]) == 3
    err = capsys.readouterr().err
    assert f"{module} builds an image when it is imported" in err
    assert f"{tmp_path / module}.py:4" in err


def test_bad_tags_are_refused_before_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", DEAD_DAEMON)
    with pytest.raises(SpecError, match="must be lowercase"):
        build(Image.from_("debian:bookworm-slim"), tag="MyApp:1", progress=SilentProgress())


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("flask-app", None),
        ("127.0.0.1:5000/fw/app:1", None),
        ("ghcr.io/acme/flask-app:3f2a9c1", None),
        ("a_b/c__d.e---f:v1.0-rc_1", None),
        ("[::1]:5000/app:1", None),
        ("MyApp:1", "must be lowercase"),
        ("app:-1", "the part after ':'"),
        ("app:", "the part after ':'"),
        ("app:" + "t" * 129, "at most 128"),
        ("app name", "whitespace"),
        ("", "empty"),
        ("-app", "not a valid image reference"),
        ("ns//app", "not a valid image reference"),
        ("app@sha256:" + "a" * 64, "includes a digest"),
        ("a" * 256, "longer than 255"),
    ],
)
def test_tag_grammar(reference: str, problem: str | None) -> None:
    found = tag_problem(reference)
    assert found is None if problem is None else problem in (found or "")


def test_default_engine_is_said_to_be_the_default() -> None:
    engine, reason = select_engine(None)
    assert isinstance(engine, DockerEngine)
    assert reason == "the default"
    assert select_engine("docker")[1] == "asked for"


def test_render_prints_the_client_the_framework_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not Path("/usr/bin/docker").exists():
        pytest.skip("no docker client at /usr/bin/docker")
    client = DockerEngine("/usr/bin/docker").client
    monkeypatch.setenv("FRAMEWORK_DOCKER", client.path)
    assert (
        main(["render", str(ROOT / "pipelines" / "flask_app.py"), "-o", str(tmp_path / "o")]) == 0
    )
    printed = capsys.readouterr().out
    expected = (
        f"build it: {client.path} buildx build --load"
        if client.mode == "buildx"
        else f"build it: DOCKER_BUILDKIT=1 {client.path} build"
    )
    assert expected in printed


def test_failure_of_maps_every_error_to_one_kind_and_exit_code() -> None:
    cases: list[tuple[BaseException, str, int]] = [
        (UsageError("bad option"), "usage", 2),
        (SpecError("bad spec", fix="fix it", where="p.py:3"), "spec", 3),
        (EngineUnavailable("docker", "gone", fix="start it"), "engine", 4),
        (BuildError("exit code: 3", step="2: RUN false", where="p.py:5"), "build", 1),
        (KeyboardInterrupt(), "interrupted", 130),
        (Interrupted("the image x was built"), "interrupted", 130),
        (OSError(28, "No space left on device"), "file", 1),
    ]
    for exc, kind, code in cases:
        failure = failure_of(exc)
        assert failure is not None
        assert (failure.kind, failure.exit_code) == (kind, code)
    built = failure_of(BuildError("exit code: 3", step="2: RUN false", where="p.py:5"))
    assert built is not None
    assert (built.step, built.where, built.left_behind) == (
        "2: RUN false",
        "p.py:5",
        "nothing was tagged",
    )
    assert built.fix is not None
    assert "p.py:5" in built.fix
    interrupted = failure_of(Interrupted("the image x was built"))
    assert interrupted is not None
    assert interrupted.left_behind == "the image x was built"
    assert failure_of(ValueError("a bug")) is None  # not the framework's: its traceback shows


def test_outputs_say_exactly_what_was_left_behind() -> None:
    assert Outputs().describe().endswith("nothing was tagged")
    outputs = Outputs(image_id="sha256:" + "ab" * 32, tagged=("r/a:1", "r/b:1"))
    assert (
        outputs.describe() == "the image abababababab was built and tagged locally as r/a:1, r/b:1"
    )
    outputs.to_push = ("r/a:1", "r/b:1", "r/c:1")
    outputs.pushed.append("r/a:1@sha256:" + "cd" * 32)
    outputs.pushing = "r/b:1"
    described = outputs.describe()
    assert "pushed: r/a:1@sha256:cdcd" in described
    # The registry may have the one under way: it is neither pushed nor "not pushed".
    assert "interrupted while pushing r/b:1: the registry may or may not have it" in described
    assert described.endswith("not pushed: r/c:1")
    outputs.archive, outputs.archived = "out.tar", False
    assert outputs.describe().endswith("archive out.tar not written")


SCRIPT = """\
from framework import Image, build, run_script

def main() -> None:
    build(Image.from_("debian:bookworm-slim").run("true").user("1000"), tag="fw-test-script")

if __name__ == "__main__":
    run_script(main)
"""


def _script(tmp_path: Path, text: str, **env: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(text)
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=environment,
        timeout=120, check=False,
    )  # fmt: skip


def test_script_mode_prints_the_error_like_the_cli_and_uses_its_exit_codes(tmp_path: Path) -> None:
    no_engine = _script(tmp_path, SCRIPT, DOCKER_HOST=DEAD_DAEMON)
    assert no_engine.returncode == 4, no_engine.stderr
    assert "Traceback" not in no_engine.stderr
    assert no_engine.stderr.startswith("error: docker engine unavailable: no Docker daemon")
    assert len(no_engine.stderr.splitlines()) <= 3
    shown = _script(tmp_path, SCRIPT, DOCKER_HOST=DEAD_DAEMON, FRAMEWORK_TRACEBACK="1")
    assert shown.returncode == 4
    assert "Traceback" in shown.stderr
    assert "no Docker daemon answers" in shown.stderr
    invalid = _script(tmp_path, SCRIPT.replace('.run("true")', ".expose(0)"))
    assert invalid.returncode == 3, invalid.stderr
    assert "Traceback" not in invalid.stderr
    assert "script.py:4" in invalid.stderr
    bug = _script(tmp_path, SCRIPT.replace("build(", "1 / 0 or build("))
    assert bug.returncode == 1
    assert "ZeroDivisionError" in bug.stderr  # not the framework's error: traceback kept


@pytest.mark.parametrize("name", ["flask_app", "go_app", "nginx_site"])
def test_every_example_pipeline_loads_for_the_cli_without_building(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", DEAD_DAEMON)  # a build would fail with exit 4
    source = (ROOT / "pipelines" / f"{name}.py").read_text()
    assert 'if __name__ == "__main__":\n    run_script(' in source
    assert main(["plan", str(ROOT / "pipelines" / f"{name}.py"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
