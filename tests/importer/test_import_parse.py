"""The importer's Dockerfile reader agrees with dockerfile-parse (a maintained parser)
on every corpus Dockerfile: the same instructions, at the same lines, with the same
arguments once continuations are joined."""

from __future__ import annotations

from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from framework.importer.parse import parse_dockerfile

CORPUS = Path(__file__).resolve().parents[1] / "import_corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "Dockerfile").is_file())


@pytest.mark.parametrize("case", CASES)
def test_instructions_and_lines_agree_with_dockerfile_parse(case: str, tmp_path: Path) -> None:
    path = CORPUS / case / "Dockerfile"
    theirs = DockerfileParser(path=str(tmp_path / "Dockerfile"))
    theirs.content = path.read_text()
    expected = [
        (item["instruction"], item["startline"] + 1)
        for item in theirs.structure
        if item["instruction"] != "COMMENT"
    ]
    ours = parse_dockerfile(path).instructions
    assert [(i.keyword, i.line) for i in ours] == expected


def test_flags_json_form_and_continuations(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(
        "FROM debian:bookworm-slim\n"
        "RUN --mount=type=cache,target=/c \\\n"
        "    # a comment inside\n"
        "\n"
        "    echo a && \\\n"
        "    echo b\n"
        'CMD ["a", "b c"]\n'
        "COPY --chown=1:2 --from=x /a /b\n"
    )
    run, cmd, copy = parse_dockerfile(path).instructions[1:]
    assert run.flags == (("mount", "type=cache,target=/c"),)
    assert run.rest == "echo a &&     echo b"
    assert run.comments == ("a comment inside",)
    assert run.json_form() is None
    assert cmd.json_form() == ["a", "b c"]
    assert copy.flags == (("chown", "1:2"), ("from", "x"))
    assert copy.rest == "/a /b"


def test_the_escape_directive(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("# escape=`\nFROM debian:bookworm-slim\nRUN echo a `\n    b\n")
    parsed = parse_dockerfile(path)
    assert parsed.escape == "`"
    assert parsed.instructions[1].rest == "echo a     b"
