"""Fixtures for the spec tests: a small build context in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework import Context, Image


@pytest.fixture
def ctx_dir(tmp_path: Path) -> Path:
    """A context directory ``app`` holding a few files and a subdirectory."""
    root = tmp_path / "app"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "requirements.txt").write_text("flask==3.0.0\n")
    (root / "app.py").write_text("print('hello')\n")
    (root / "src" / "main.py").write_text("import pkg\n")
    (root / "src" / "pkg" / "__init__.py").write_text("")
    return root


@pytest.fixture
def ctx(ctx_dir: Path) -> Context:
    return Context(ctx_dir)


@pytest.fixture
def base() -> Image:
    return Image.from_("python:3.11-slim")


# What dataclasses.replace() raises for a field declared init=False: ValueError up to
# Python 3.12, TypeError from 3.13 (Debian 13's Python).
REPLACE_REFUSAL = (ValueError, TypeError)
