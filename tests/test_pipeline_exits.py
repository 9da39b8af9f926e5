"""A pipeline that calls ``sys.exit()`` (in its function, or at import as a script
does) is refused as a spec error. It used to end the command with its exit status,
0 included: ``build --json`` succeeded with nothing built and nothing on stdout. A
module that raises at import (``module:function``) is a spec error too."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from framework.cli.main import main


@pytest.fixture
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


PIPELINE = """
import sys
from framework import Image

def quits():
    sys.exit(0)
"""


@pytest.mark.parametrize(
    ("source", "target", "problem"),
    [
        (PIPELINE, "p.py:quits", "pipeline 'quits' called sys.exit(0)"),
        ("import sys\nsys.exit(0)\n", "p.py:x", "called sys.exit(0)"),
        ("raise SystemExit('bye')\n", "p.py:x", "called sys.exit('bye')"),
    ],
)
@pytest.mark.usefixtures("in_tmp_path")
def test_sys_exit_is_a_spec_error_with_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, target: str, problem: str
) -> None:
    (tmp_path / "p.py").write_text(source)
    assert main(["build", target, "--json"]) == 3
    out, err = capsys.readouterr()
    assert problem in err
    document = json.loads(out)
    assert (document["ok"], document["kind"]) == (False, "spec")
    assert document["where"].startswith(str(tmp_path / "p.py"))


def test_a_module_raising_at_import_is_a_spec_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "r_raises_at_import.py").write_text("raise ValueError('at import')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["plan", "r_raises_at_import:x", "--json"]) == 3
    out, err = capsys.readouterr()
    assert "importing module 'r_raises_at_import' for 'r_raises_at_import:x' raised " in err
    assert "ValueError: at import" in err
    assert json.loads(out)["kind"] == "spec"
    sys.modules.pop("r_raises_at_import", None)
