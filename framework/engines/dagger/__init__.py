"""The Dagger engine: the only package that imports ``dagger``.

The SDK takes about half a second to import, so it is imported on first use of
:class:`DaggerEngine` or :class:`DaggerMapping`, not with ``framework``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from framework.engines.dagger.reach import dagger_reachable

if TYPE_CHECKING:
    from framework.engines.dagger.engine import DaggerEngine
    from framework.engines.dagger.mapping import DaggerMapping, Unsupported

__all__ = ["DaggerEngine", "DaggerMapping", "Unsupported", "dagger_reachable"]


def __getattr__(name: str) -> Any:
    if name == "DaggerEngine":
        from framework.engines.dagger.engine import DaggerEngine

        return DaggerEngine
    if name in {"DaggerMapping", "Unsupported"}:
        from framework.engines.dagger import mapping

        return getattr(mapping, name)
    raise AttributeError(name)
