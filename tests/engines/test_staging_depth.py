"""A directory nested deeper than staging walks is refused by name, not with a
``RecursionError`` (at about 1,000 levels) that points inside the framework."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from framework import Context, Image, SpecError, compile
from framework.engines.staging import MAX_DEPTH, stage_context
from framework.render import render


def _nest(top: Path, depth: int) -> None:
    """``top/d/d/…/leaf.txt``, ``depth`` directories below ``top``."""
    here = top
    for _ in range(depth):
        here = here / "d"
        here.mkdir()
    (here / "leaf.txt").write_text("leaf\n")


def _stage(ctx: Path, into: Path) -> None:
    image = Image.from_("debian:bookworm-slim").copy(Context(ctx) / "t", "/t")
    stage_context(render(compile(image)).context, into)


def test_a_tree_at_the_limit_is_staged(tmp_path: Path) -> None:
    (tmp_path / "ctx" / "t").mkdir(parents=True)
    _nest(tmp_path / "ctx" / "t", MAX_DEPTH - 1)
    _stage(tmp_path / "ctx", tmp_path / "out")
    leaves = [p for p, _, files in os.walk(tmp_path / "out") if "leaf.txt" in files]
    assert len(leaves) == 1


def test_a_deeper_tree_is_refused_naming_it_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "ctx" / "t").mkdir(parents=True)
    _nest(tmp_path / "ctx" / "t", MAX_DEPTH + 5)
    with pytest.raises(SpecError, match=f"is more than {MAX_DEPTH} directories deep") as caught:
        _stage(tmp_path / "ctx", tmp_path / "out")
    assert "/t/d/d/" in caught.value.problem
    assert "exclude=" in (caught.value.fix or "")
    assert not (tmp_path / "out").exists()
