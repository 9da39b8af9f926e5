"""What a user sees when a build fails, on the real engine: the failed step and how long
it ran, one JSON object on stdout on every path, scripts that report like the CLI, and
a daemon that dies mid-build."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.conftest import ReliabilityReport
from tests.e2e.conftest import CLI, ROOT, Docker, cli, cli_env
from tests.e2e.daemons import PrivateDaemon

FAILING = """\
from framework import Image

def failing(nonce: str = "x") -> Image:
    return (
        Image.from_("debian:bookworm-slim")
        .run(f"echo {nonce} > /ok")
        .run(f"echo started-{nonce}; sleep 2; echo bad-news >&2; exit 3")
    )
"""

WORKING = """\
from framework import Image

def working(nonce: str = "x", port: int = 80) -> Image:
    return Image.from_("debian:bookworm-slim").run(f"echo {nonce} > /ok").expose(port)
"""

INVALID = """\
from framework import Image

def invalid() -> Image:
    return Image.from_("debian:bookworm-slim").workdir("relative")
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return path


def test_a_failing_step_is_failed_with_its_duration_in_every_display(
    docker: Docker, tmp_path: Path
) -> None:
    failing, nonce, tag = _write(tmp_path, "failing", FAILING), uuid.uuid4().hex, docker.tag("f")
    result = cli("build", str(failing), "--nonce", nonce, "-t", tag, "--json",
                 env={"GITHUB_ACTIONS": "true"})  # fmt: skip
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["ok"] is False
    assert summary["kind"] == "build"
    assert summary["step"].startswith("2: RUN echo started-")
    assert summary["where"] == f"{failing}:7"
    steps = summary["steps"]
    assert [s["status"] for s in steps] == ["executed", "failed"]
    assert steps[1]["duration"] >= 2.0  # it slept 2 s before exiting 3
    assert steps[1]["where"] == f"{failing}:7"
    failed_line = next(line for line in result.stderr.splitlines() if "FAILED" in line)
    assert failed_line.startswith("[stage-0 2] FAILED ")
    assert float(failed_line.split()[-1].rstrip("s")) >= 2.0
    assert "EXECUTED 0.0s" not in result.stderr
    annotations = [line for line in result.stderr.splitlines() if line.startswith("::error")]
    assert len(annotations) == 1, annotations  # the step's own, not a second copy
    assert annotations[0].startswith(f"::error file={failing},line=7::step stage-0 2 failed after")
    assert "bad-news" in annotations[0]
    assert not docker.exists(tag)


def test_json_is_one_object_on_stdout_on_every_path(
    docker: Docker, tmp_path: Path, reliability: ReliabilityReport
) -> None:
    working, nonce = _write(tmp_path, "working", WORKING), uuid.uuid4().hex
    failing = _write(tmp_path, "failing", FAILING)
    invalid = _write(tmp_path, "invalid", INVALID)
    tag = docker.tag("json")
    paths = {
        "success": (cli("build", str(working), "--nonce", nonce, "-t", tag, "--json"), 0),
        "build failure": (cli("build", str(failing), "--nonce", nonce, "--json"), 1),
        "spec error": (cli("build", str(invalid), "--json"), 3),
        "engine missing (no daemon)": (
            cli("build", str(working), "--json", env={"DOCKER_HOST": "unix:///nonexistent.sock"}),
            4,
        ),
        "engine missing (not a docker client)": (
            cli("build", str(working), "--json", env={"FRAMEWORK_DOCKER": "/bin/true"}),
            4,
        ),
        "usage error": (cli("build", "--json"), 2),
        "bad tag": (cli("build", str(working), "-t", "Not A Tag", "--json"), 2),
        "bad parameter": (cli("build", str(working), "--port", "abc", "--json"), 2),
        "unknown parameter": (cli("build", str(working), "--colour", "red", "--json"), 2),
        "plan spec error": (cli("plan", str(invalid), "--json"), 3),
    }
    for name, (result, code) in paths.items():
        assert result.returncode == code, (name, result.stderr)
        summary = json.loads(result.stdout)  # exactly one JSON document, nothing else
        assert isinstance(summary, dict), name
        assert summary["ok"] is (code == 0), name
        assert summary["exit_code"] == code, name
        if code:
            assert summary["message"], name
            assert {"kind", "fix", "where", "step"} <= set(summary), name
    success = json.loads(paths["success"][0].stdout)
    assert success["image_id"] == docker.inspect(tag)["Id"]
    assert "with engine docker (the default)" in paths["success"][0].stderr
    assert json.loads(paths["spec error"][0].stdout)["where"] == f"{invalid}:4"
    reliability.record(
        "failure reporting", "--json on every path",
        f"{len(paths)} paths (success, build failure, spec error, no engine, usage errors): "
        "one JSON object on stdout each, with ok and the exit code",
    )  # fmt: skip


def test_the_flask_pipeline_builds_as_a_script_and_a_failing_script_reports_briefly(
    docker: Docker, tmp_path: Path
) -> None:
    # A copy of pipelines/flask_app.py (the README's first example) with its own tag.
    (tmp_path / "pipelines").mkdir()
    shutil.copytree(ROOT / "examples" / "flask_app", tmp_path / "examples" / "flask_app")
    tag = docker.tag("script")
    script = tmp_path / "pipelines" / "flask_app.py"
    source = (ROOT / "pipelines" / "flask_app.py").read_text()
    assert 'run_script(lambda: build(flask_app(), tag="flask-app"))' in source
    script.write_text(source.replace('tag="flask-app"', f'tag="{tag}"'))
    env = cli_env(PYTHONPATH=str(ROOT))
    built = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                           env=env, timeout=600, check=False)  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert docker.exists(tag)
    failing = _write(tmp_path, "failing", FAILING + "\n\nif __name__ == '__main__':\n"
                     "    from framework import build, run_script\n"
                     "    run_script(lambda: build(failing(), tag='x'))\n")  # fmt: skip
    failed = subprocess.run([sys.executable, str(failing)], capture_output=True, text=True,
                            env=env, timeout=600, check=False)  # fmt: skip
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    report = failed.stderr[failed.stderr.index("error: build failed") :]
    assert f"declared at: {failing}:7" in report
    assert "bad-news" in report


SLOW = """\
from framework import Image

def slow(nonce: str = "x") -> Image:
    return (
        Image.from_("debian:bookworm-slim")
        .run(f"echo {nonce} > /prepared")
        .run(f"echo started-{nonce}; sleep 300")
    )
"""


def test_a_daemon_that_dies_mid_build_is_engine_unavailable_naming_the_step(
    docker: Docker, tmp_path: Path, reliability: ReliabilityReport
) -> None:
    daemon = PrivateDaemon(docker.path, tmp_path)  # never the shared daemon
    daemon.start()
    try:
        daemon.load_from_shared("debian:bookworm-slim")
        pipeline, nonce = _write(tmp_path, "slow", SLOW), uuid.uuid4().hex
        env = cli_env(DOCKER_HOST=daemon.host)
        with subprocess.Popen(
            [*CLI, "build", str(pipeline), "--nonce", nonce, "--progress", "plain", "--json"],
            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env,
        ) as process:  # fmt: skip
            assert process.stderr is not None
            assert process.stdout is not None
            deadline = time.monotonic() + 120
            seen: list[str] = []
            for line in process.stderr:
                seen.append(line)
                if f"started-{nonce}" in line and "|" in line:  # the step runs
                    break
                assert time.monotonic() < deadline, "the slow step never started"
            daemon.stop()
            rest = process.stderr.read()
            out = process.stdout.read()
            code = process.wait(timeout=120)
    finally:
        daemon.close()
    assert code == 4, "".join(seen) + rest
    assert "the Docker daemon stopped answering during step 2 of stage stage-0" in rest
    assert "iid" not in rest
    summary = json.loads(out)
    assert summary["kind"] == "engine"
    assert "during step 2" in summary["message"]
    reliability.record(
        "faults", "Docker daemon stopped during a running step",
        "EngineUnavailable (exit 4) naming the step that was running",
    )  # fmt: skip


BIG = """\
from framework import Image

def big(nonce: str = "x") -> Image:
    # Random bytes do not compress: the push takes seconds, long enough to interrupt.
    return Image.from_("debian:bookworm-slim").run(
        f"echo {nonce} > /id && head -c 400000000 /dev/urandom > /blob"
    )
"""


def _pushing(reference: str) -> bool:
    """Whether a ``docker push REFERENCE`` process runs on this machine."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:  # the process ended meanwhile
            continue
        if b"push" in words and reference.encode() in words:
            return True
    return False


def test_ctrl_c_during_push_says_what_was_tagged_and_pushed(
    docker: Docker, registry: str, tmp_path: Path, reliability: ReliabilityReport
) -> None:
    pipeline, nonce = _write(tmp_path, "big", BIG), uuid.uuid4().hex
    name = f"fw-test/wt-a-push-{nonce[:8]}"
    reference = f"{registry}/{name}:1"
    docker.tags.append(reference)
    with subprocess.Popen(
        [*CLI, "build", str(pipeline), "--nonce", nonce, "-t", reference, "--push",
         "--progress", "plain"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT, env=cli_env(),
    ) as process:  # fmt: skip
        deadline = time.monotonic() + 300
        while not _pushing(reference):  # the build is over and `docker push` runs
            assert process.poll() is None, "the build ended before it could be interrupted"
            assert time.monotonic() < deadline, "the push never started"
            time.sleep(0.1)
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        assert process.stderr is not None
        err = process.stderr.read()
        code = process.wait(timeout=120)
    assert code == 130, err
    assert "nothing was tagged" not in err
    message = next(line for line in err.splitlines() if line.startswith("interrupted:"))
    image_id = docker.inspect(reference)["Id"]
    assert isinstance(image_id, str)
    short = image_id.removeprefix("sha256:")[:12]
    assert f"the image {short} was built and tagged locally as {reference}" in message
    assert "pushed: none" in message
    # Interrupted mid-push, the registry may or may not have taken the manifest: the
    # message says so, whichever it was.
    assert f"interrupted while pushing {reference}: the registry may or may not" in message
    reliability.record(
        "faults", "Ctrl-C during --push",
        "exit 130; the message names the local tag and what was (not) pushed, "
        "checked against the daemon; a push under way is said to be uncertain",
    )  # fmt: skip
