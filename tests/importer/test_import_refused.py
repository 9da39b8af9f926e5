"""Constructs a pipeline cannot express are refused with the Dockerfile's file:line and
a fix, never dropped: by the Python API and by ``python -m framework import`` (exit 3,
``--json`` lists them)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from framework.importer import ImportRefused, convert_dockerfile, import_dockerfile

REFUSED = {
    "VOLUME data": "relative",
    "STOPSIGNAL SIGFOO": "not a signal",
    "SHELL /bin/bash -c": "JSON list",
    "ONBUILD RUN echo hi": "ONBUILD",
    "MAINTAINER someone": "MAINTAINER",
    "ADD https://example.com/file.txt /file.txt": "has no --checksum",
    "ADD git@github.com:acme/tool.git /src": "only http:// and https://",
    f"ADD --checksum=sha256:{'a' * 64} a.txt /a.txt": "applies to a URL",
    "ADD --checksum=sha512:abc https://example.com/f /f": "sha256:<64",
    "ADD --chown=1000 archive.tar.gz /opt/": "--chown/--chmod of the archive",
    "RUN --mount=type=bind,source=.,target=/src,bind-propagation=shared ls": "bind-propagation",
    "RUN --mount=type=bind,source=missing,target=/src ls": "bind source 'missing'",
    "RUN --mount=type=bind,source=.,target=src ls": "relative",
    "RUN --mount=type=tmpfs,target=/tmp,size=lots ls": "not a size",
    "RUN --mount=type=ssh ls": "type=ssh",
    "RUN --mount=type=cache,target=/c,from=base,source=/c ls": "'from'",
    "RUN --mount=type=cache,target=/c,mode=rwx ls": "not octal",
    "RUN --network=host true": "--network=host",
    "RUN --security=insecure true": "--security",
    "COPY --link a.txt /a.txt": "--link",
    "COPY *.nothing /dst/": "matches no file",
    "COPY --from=debian:bookworm-slim /etc/*.conf /dst/": "wildcard",
    "COPY missing.txt /dst": "not in the context",
    "COPY a.txt relative/": "relative",
    "WORKDIR $HOME/app": "$HOME",
    "ENV X=${HOME:-/root}": "does not set",
    "ENV X=${NAME:?required}": "not supported",
    "EXPOSE 8000-8010": "PORT",
    "HEALTHCHECK --start-interval=1s CMD true": "--start-interval",
    "FROBNICATE now": "unknown instruction",
    "RUN <<EOF": "heredoc",
    "COPY <<-'EOT' /x": "heredoc",
    "ARG A=1 B=2": "one NAME",
}


def _tar_gz() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        info = tarfile.TarInfo("a")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"a"))
    return out.getvalue()


_ARCHIVE = _tar_gz()


def _dockerfile(tmp_path: Path, *lines: str) -> Path:
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "archive.tar.gz").write_bytes(_ARCHIVE)
    path = tmp_path / "Dockerfile"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(("line", "said"), REFUSED.items())
def test_an_unsupported_construct_is_refused_with_its_line(
    tmp_path: Path, line: str, said: str
) -> None:
    path = _dockerfile(tmp_path, "FROM debian:bookworm-slim", "# a comment", line)
    result = convert_dockerfile(path, output=tmp_path / "out.py")
    assert not result.ok
    assert result.source == ""
    (problem,) = result.problems
    assert problem.line == 3
    assert problem.where == f"{path}:3"
    assert said in problem.problem
    assert problem.fix
    with pytest.raises(ImportRefused) as raised:
        import_dockerfile(path)
    assert raised.value.where == f"{path}:3"


def test_every_problem_is_listed_not_only_the_first(tmp_path: Path) -> None:
    path = _dockerfile(
        tmp_path, "FROM --platform=$ARCH debian:bookworm-slim", "ONBUILD RUN true",
        "RUN true", "MAINTAINER me",
    )  # fmt: skip
    result = convert_dockerfile(path)
    assert [(p.line, p.instruction) for p in result.problems] == [
        (1, "FROM"), (2, "ONBUILD"), (4, "MAINTAINER"),
    ]  # fmt: skip


def test_a_continued_instruction_is_reported_at_its_first_line(tmp_path: Path) -> None:
    path = _dockerfile(tmp_path, "FROM debian:bookworm-slim", "RUN true", "ONBUILD \\", "  RUN x")
    (problem,) = convert_dockerfile(path).problems
    assert problem.line == 3


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "framework", "import", *args],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_the_command_exits_3_and_lists_the_problems_in_json(tmp_path: Path) -> None:
    path = _dockerfile(tmp_path, "FROM debian:bookworm-slim", "ONBUILD RUN x", "MAINTAINER me")
    out = tmp_path / "out.py"
    done = _cli(str(path), "-o", str(out), "--json")
    assert done.returncode == 3
    summary = json.loads(done.stdout)
    assert summary["ok"] is False
    assert summary["output"] is None
    assert [(p["line"], p["instruction"]) for p in summary["problems"]] == [
        (2, "ONBUILD"), (3, "MAINTAINER"),
    ]  # fmt: skip
    assert set(summary["problems"][0]) == {"file", "line", "instruction", "problem", "fix"}
    assert f"{path}:2: ONBUILD" in done.stderr
    assert not out.exists()


def test_the_command_writes_the_pipeline(tmp_path: Path) -> None:
    path = _dockerfile(tmp_path, "FROM debian:bookworm-slim", "COPY a.txt /a.txt")
    out = tmp_path / "pipelines" / "my_app.py"
    done = _cli(str(path), "-o", str(out), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    (note,) = summary.pop("notes")
    assert "inside the context" in note  # COPY . . would copy the pipeline file too
    assert summary == {"ok": True, "output": str(out), "function": "my_app", "problems": []}
    text = out.read_text()
    assert "def my_app(context: Context = CONTEXT) -> Image:" in text
    assert 'CONTEXT = Context("..")' in text
    assert '.copy(context / "a.txt", "/a.txt")' in text


def test_without_output_the_source_goes_to_stdout(tmp_path: Path) -> None:
    path = _dockerfile(tmp_path, "FROM debian:bookworm-slim", "# say hello", "CMD echo hi")
    done = _cli(str(path))
    assert done.returncode == 0, done.stderr
    assert "    # say hello\n" in done.stdout
    assert '.cmd("echo hi")' in done.stdout
