"""A cache mount's default id belongs to the pipeline that declared it."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from types import ModuleType

from framework import CacheMount, Image
from framework.spec import Run

PIPELINE = """
from framework import CacheMount, Image

def {name}() -> Image:
    return Image.from_("debian:bookworm-slim").run("make", cache="/root/.cache")

def named() -> Image:
    return Image.from_("debian:bookworm-slim").run(
        "make", cache=CacheMount(target="/root/.cache", id="shared-cache")
    )
"""


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"m_{abs(hash(path))}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _project(root: Path, file: str, name: str) -> Path:
    (root / "pipelines").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "pipelines" / file).write_text(PIPELINE.format(name=name))
    return root / "pipelines" / file


def _cache_id(image: Image) -> str:
    (step,) = image.steps
    assert isinstance(step, Run)
    return step.cache[0].cache_id


def test_two_pipelines_with_the_same_path_get_different_caches(tmp_path: Path) -> None:
    one = _load(_project(tmp_path / "one", "api.py", "api"))
    two = _load(_project(tmp_path / "two", "worker.py", "worker"))
    assert _cache_id(one.api()) != _cache_id(two.worker())
    assert _cache_id(one.api()).endswith(":/root/.cache")


def test_a_named_id_is_shared(tmp_path: Path) -> None:
    one = _load(_project(tmp_path / "one", "api.py", "api"))
    two = _load(_project(tmp_path / "two", "worker.py", "worker"))
    assert _cache_id(one.named()) == _cache_id(two.named()) == "shared-cache"


def test_the_same_pipeline_keeps_its_id_across_checkouts_and_working_directories(
    tmp_path: Path,
) -> None:
    first = _project(tmp_path / "checkout-a", "api.py", "api")
    second = tmp_path / "elsewhere" / "checkout-b"
    shutil.copytree(first.parents[1], second)
    ids = {_cache_id(_load(first).api()), _cache_id(_load(second / "pipelines/api.py").api())}
    cwd = Path.cwd()
    try:
        os.chdir(second)
        ids.add(_cache_id(_load(second / "pipelines/api.py").api()))
    finally:
        os.chdir(cwd)
    assert len(ids) == 1
    (step,) = _load(first).api().steps
    assert isinstance(step, Run)
    assert step.cache[0].scope == "pipelines/api.py:api"


def test_a_mount_declared_directly_is_scoped_where_it_is_declared() -> None:
    mount = CacheMount(target="/c")
    assert mount.scope == (
        "tests/spec/test_cache_scope.py:"
        "test_a_mount_declared_directly_is_scoped_where_it_is_declared"
    )
    assert mount.cache_id.startswith("pipeline-")
