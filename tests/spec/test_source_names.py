"""File names that are unusual but valid on POSIX are copy sources like any other."""

from __future__ import annotations

from pathlib import Path

from framework import Context, Image, compile, render
from framework.engines.staging import stage_context


def test_a_backslash_in_a_file_name_is_part_of_the_name(tmp_path: Path) -> None:
    root = tmp_path / "ctx"
    root.mkdir()
    (root / "back\\slash.txt").write_text("backslash\n")
    context = Context(root)
    source = context / "back\\slash.txt"
    assert source.path == "back\\slash.txt"
    assert not source.is_dir
    image = Image.from_("debian:bookworm-slim").copy(source, "/data.txt")
    rendered = render(compile(image))
    staged = tmp_path / "staged"
    stage_context(rendered.context, staged)
    (entry,) = rendered.context
    assert entry.file_name == "back_slash.txt"  # BuildKit reads a source's "\\" as an escape
    assert (staged / entry.path).read_text() == "backslash\n"
