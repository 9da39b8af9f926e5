"""The launcher that ties the docker client to the build (``dies_with_us``), both ways:
``setpriv --pdeathsig`` with a shell check, and the Python fallback where no such
``setpriv`` is installed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from framework.engines.docker import process
from framework.engines.docker.process import dies_with_us

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux"
)

_WAYS = ["setpriv", "python"]


@pytest.fixture(params=_WAYS)
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "setpriv":
        if process._setpriv() is None:
            pytest.skip("no setpriv with --pdeathsig here")
    else:
        monkeypatch.setattr(process, "_setpriv", lambda: None)
    return str(request.param)


def test_the_launcher_is_setpriv_where_it_has_pdeathsig() -> None:
    if process._setpriv() is None:
        pytest.skip("no setpriv with --pdeathsig here")
    assert dies_with_us(["x"])[:3] == [process._setpriv(), "--pdeathsig", "KILL"]


def test_the_command_runs_with_its_arguments_unchanged(way: str) -> None:
    args = ["a b", "$HOME", "'q'", '"d"', "*", ""]
    done = subprocess.run(
        dies_with_us([sys.executable, "-c", "import sys; print(sys.argv[1:])", *args]),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr(args)


def test_the_command_is_not_started_when_its_parent_is_not_the_build(
    way: str, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    argv = dies_with_us(["touch", str(marker)])
    pid = argv.index(str(os.getpid()))
    argv[pid] = "1"  # as if the build had died before the signal was set
    done = subprocess.run(argv, capture_output=True, check=False)
    assert done.returncode == 137
    assert not marker.exists()


def test_the_command_dies_when_its_parent_is_killed(way: str, tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    fallback = "process._setpriv = lambda: None\n" if way == "python" else ""
    parent_code = (
        "import subprocess, time\n"
        "import framework.engines.docker.process as process\n"
        f"{fallback}"
        "p = subprocess.Popen(process.dies_with_us(['sleep', '300']))\n"
        f"time.sleep(0.5); open({str(pidfile)!r}, 'w').write(str(p.pid)); time.sleep(300)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code])
    try:
        for _ in range(100):
            if pidfile.exists() and pidfile.read_text():
                break
            time.sleep(0.1)
        child = int(pidfile.read_text())
        assert Path(f"/proc/{child}/cmdline").read_bytes().startswith(b"sleep\x00300")
        parent.kill()
        parent.wait()
        for _ in range(50):
            state = Path(f"/proc/{child}/stat")
            if not state.exists() or state.read_text().split()[2] == "Z":
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the launched child outlived its killed parent")
    finally:
        parent.kill()
