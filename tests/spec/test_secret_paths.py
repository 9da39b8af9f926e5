"""``Secret.file``: a relative path resolves against the declaring file, as ``Context``'s."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from framework import Secret

PIPELINE = """
from framework import Context, Secret

secret = Secret.file("secrets/token.txt")
context = Context("app")
home = Secret.file("~/token.txt")
absolute = Secret.file({absolute!r})
"""


@pytest.fixture
def declared(tmp_path: Path) -> Path:
    """A pipeline file in its own directory, with a secret file and a context next to it."""
    project = tmp_path / "project"
    (project / "secrets").mkdir(parents=True)
    (project / "secrets" / "token.txt").write_text("s3cr3t\n")
    (project / "app").mkdir()
    pipeline = project / "pipeline.py"
    pipeline.write_text(PIPELINE.format(absolute=str(tmp_path / "abs.txt")))
    return pipeline


@pytest.fixture
def restore_cwd() -> Iterator[None]:
    before = os.getcwd()
    yield
    os.chdir(before)


def _load(path: Path) -> dict[str, object]:
    spec = importlib.util.spec_from_file_location(f"pipeline_{abs(hash(path))}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


@pytest.mark.usefixtures("restore_cwd")
@pytest.mark.parametrize("where", ["project", "elsewhere", "root"])
def test_relative_secret_file_resolves_against_the_declaring_file(
    declared: Path, tmp_path: Path, where: str
) -> None:
    cwd = {"project": declared.parent, "elsewhere": tmp_path / "elsewhere", "root": Path("/")}
    cwd[where].mkdir(exist_ok=True)
    os.chdir(cwd[where])
    names = _load(declared)
    secret, context = names["secret"], names["context"]
    assert isinstance(secret, Secret)
    expected = (declared.parent / "secrets" / "token.txt").resolve()
    assert secret.name == str(expected)
    assert Path(secret.name).read_text() == "s3cr3t\n"
    # The same rule as the context declared next to it.
    assert Path(secret.name).parent.parent == context.path.parent  # type: ignore[attr-defined]


@pytest.mark.usefixtures("restore_cwd")
def test_home_and_absolute_secret_paths_do_not_depend_on_the_declaring_file(
    declared: Path, tmp_path: Path
) -> None:
    os.chdir(tmp_path)
    names = _load(declared)
    home, absolute = names["home"], names["absolute"]
    assert isinstance(home, Secret)
    assert isinstance(absolute, Secret)
    assert home.name == str((Path.home() / "token.txt").resolve())
    assert absolute.name == str((tmp_path / "abs.txt").resolve())
