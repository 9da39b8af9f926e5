"""The Dagger engine: the only module that imports ``dagger``."""

from framework.engines.dagger.engine import DaggerEngine, dagger_reachable
from framework.engines.dagger.mapping import DaggerMapping, Unsupported

__all__ = ["DaggerEngine", "DaggerMapping", "Unsupported", "dagger_reachable"]
