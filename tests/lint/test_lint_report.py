"""Silencing, file:line, the --json schema, exit codes, and lint before a build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framework import Image, build
from framework.cli.main import main
from framework.errors import EngineUnavailable, LintError, SpecError
from framework.lint import lint

PIPELINE = """\
from framework import Image


def noisy() -> Image:
    return (
        Image.from_("debian:latest")
        .run("apt-get update")
        .run("apt-get install -y curl")  # framework: ignore[FW101, FW103] pinned elsewhere
        .env(API_TOKEN="s3cr3t-value-123")
        .user("1000")
    )


def quiet() -> Image:
    # framework: ignore[FW108] the tool needs root to bind
    # a low port
    return Image.from_("debian:bookworm-slim").cmd(["true"])


def other_rule() -> Image:
    return Image.from_("debian:bookworm-slim")  # framework: ignore[FW104]
"""


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "noisy.py"
    path.write_text(PIPELINE)
    monkeypatch.chdir(tmp_path)
    return path


def _lines(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_findings_name_the_pipeline_line(
    pipeline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["lint", f"{pipeline.name}:noisy", "--no-engine"])
    out = capsys.readouterr().out
    assert code == 1
    base_line = _lines(pipeline, "debian:latest")
    update_line = _lines(pipeline, '.run("apt-get update")')
    env_line = _lines(pipeline, "API_TOKEN")
    assert f"noisy.py:{base_line}: FW104 " in out
    assert f"noisy.py:{update_line}: FW102 " in out
    assert f"noisy.py:{env_line}: FW109 env API_TOKEN looks like a secret" in out
    assert "s3cr3t" not in out
    assert "  fix: " in out


def test_a_trailing_comment_silences_the_rules_it_names(pipeline: Path) -> None:
    module: dict[str, object] = {}
    exec(compile(pipeline.read_text(), str(pipeline.name), "exec"), module)
    noisy = module["noisy"]
    assert callable(noisy)
    report = lint(noisy(), engine=False)
    install_line = _lines(pipeline, "apt-get install -y curl")
    assert {f.rule for f in report.silenced} == {"FW101", "FW103"}
    assert all(f.where == f"noisy.py:{install_line}" for f in report.silenced)
    assert {f.silenced for f in report.silenced} == {"pinned elsewhere"}
    assert not any(f.where == f"noisy.py:{install_line}" for f in report.findings)


def test_a_comment_block_above_silences_and_carries_the_reason(pipeline: Path) -> None:
    module: dict[str, object] = {}
    exec(compile(pipeline.read_text(), str(pipeline.name), "exec"), module)
    quiet, other = module["quiet"], module["other_rule"]
    assert callable(quiet)
    assert callable(other)
    report = lint(quiet(), engine=False)
    assert report.findings == ()
    assert [(f.rule, f.silenced) for f in report.silenced] == [
        ("FW108", "the tool needs root to bind a low port")
    ]
    # An ignore comment for another rule silences nothing else.
    assert [f.rule for f in lint(other(), engine=False).findings] == ["FW108"]


def test_json_schema_and_exit_codes(pipeline: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", f"{pipeline.name}:noisy", "--no-engine", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {
        "ok", "exit_code", "pipeline", "findings", "silenced", "skipped_rules"
    }  # fmt: skip
    assert document["ok"] is False
    assert document["exit_code"] == 1
    assert document["skipped_rules"] == ["FW105"]
    finding = document["findings"][0]
    assert set(finding) == {"rule", "name", "message", "fix", "where", "stage", "step"}
    assert set(document["silenced"][0]) == {*finding, "reason"}
    # --level warn reports the same findings and exits 0.
    assert main(["lint", f"{pipeline.name}:noisy", "--no-engine", "--json", "--level", "warn"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == document["findings"]
    # Clean: 0. Silenced findings do not count.
    assert main(["lint", f"{pipeline.name}:quiet", "--no-engine", "--json"]) == 0
    clean = json.loads(capsys.readouterr().out)
    assert clean["ok"] is True
    assert len(clean["silenced"]) == 1
    # --ignore skips a rule everywhere; an unknown id is a usage error (2).
    assert main(["lint", f"{pipeline.name}:other_rule", "--no-engine", "--ignore", "fw108"]) == 0
    capsys.readouterr()
    assert main(["lint", f"{pipeline.name}:noisy", "--ignore", "FW999", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["ok"] is False
    # A pipeline that does not load: 3, as for every command.
    assert main(["lint", "missing.py"]) == 3


def test_build_with_lint_error_fails_before_the_engine_is_checked() -> None:
    image = Image.from_("debian:latest").user("1")  # the line of the finding
    # Dagger is not reachable here (its CLI is downloaded on first use): checking it
    # would raise EngineUnavailable; lint comes first.
    with pytest.raises(LintError) as raised:
        build(image, engine="dagger", lint="error")
    assert [f.rule for f in raised.value.findings] == ["FW104"]
    assert "FW104" in str(raised.value)
    assert raised.value.where is not None
    line = _lines(Path(__file__), "# the line of the finding")
    assert raised.value.where.endswith(f"test_lint_report.py:{line}")
    with pytest.raises(EngineUnavailable):
        build(image, engine="dagger", lint="off")
    with pytest.raises(SpecError, match="unknown lint level"):
        build(image, engine="dagger", lint="loud")


def test_build_warns_on_stderr_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    image = Image.from_("debian:latest").user("1")
    with pytest.raises(EngineUnavailable):
        build(image, engine="dagger")
    err = capsys.readouterr().err
    assert "warning: " in err
    assert "FW104 base image 'debian:latest' is tagged latest" in err


def test_cli_build_lint_error_exits_1_without_an_engine(
    pipeline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["build", f"{pipeline.name}:noisy", "--lint", "error", "--engine", "dagger",
                 "--json"])  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["kind"] == "build"
    assert "lint found" in document["message"]
    assert any("FW104" in line for line in document["output_tail"])
