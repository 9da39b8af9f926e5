"""With ``--json``, stdout holds one JSON object even when the framework itself fails
with an exception that is not its own (a bug): kind ``internal``, exit 1. The
traceback still propagates, as the report for a bug. (stdout used to stay empty.)"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from framework.cli.main import main

CLI_MODULE = importlib.import_module("framework.cli.main")  # the package re-exports main()

PIPELINE = """
from framework import Image

def ok():
    return Image.from_("debian:bookworm-slim").run("true")
"""


def _fault(*args: object, **kwargs: object) -> None:
    raise ZeroDivisionError("injected fault")


@pytest.mark.parametrize("json_flag", [True, False])
def test_a_bug_still_leaves_one_json_object_on_stdout(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    json_flag: bool,
) -> None:
    (tmp_path / "p.py").write_text(PIPELINE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(CLI_MODULE, "compile", _fault)
    with pytest.raises(ZeroDivisionError):
        main(["plan", "p.py:ok", *(["--json"] if json_flag else [])])
    out = capsys.readouterr().out
    if not json_flag:
        assert out == ""
        return
    document = json.loads(out)
    assert document["ok"] is False
    assert (document["kind"], document["exit_code"]) == ("internal", 1)
    assert document["message"] == "internal error: ZeroDivisionError: injected fault"
