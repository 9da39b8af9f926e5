"""Each public module exports exactly its ``__all__`` (as httpx's test of the same name).

A public name is one a module binds without a leading underscore, other than a
submodule or a ``from __future__`` feature; names a module serves lazily through its
``__getattr__`` count when they resolve.
"""

from __future__ import annotations
import __future__ as future

import importlib
import types

import pytest

MODULES = ["framework", "framework.errors", "framework.spec"]


def _bound_public_names(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType | future._Feature)
    }


@pytest.mark.parametrize("name", MODULES)
def test_all_equals_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(set(exported)), "__all__ is sorted, without repeats"
    bound = _bound_public_names(module)
    assert sorted(bound - set(exported)) == [], "public names missing from __all__"
    for lazily_served in set(exported) - bound:  # served by the module's __getattr__
        assert getattr(module, lazily_served) is not None, lazily_served


@pytest.mark.parametrize("name", MODULES)
def test_star_import_gives_all_and_nothing_else(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)
    del namespace["__builtins__"]
    assert set(namespace) == set(importlib.import_module(name).__all__)


def test_an_unknown_name_on_the_package_is_an_attribute_error() -> None:
    import framework

    with pytest.raises(AttributeError, match="Nope"):
        framework.Nope  # type: ignore[attr-defined]  # noqa: B018
