"""Image operations on the engine's local image store (``docker images``, ``pull``,
``tag``, ``rmi``), as functions. ``pull`` honours ``$FRAMEWORK_REGISTRY_MIRROR``."""

from framework.engines.docker import images as _store
from framework.engines.docker.images import *  # noqa: F403  (the public face of that module)

__all__ = _store.__all__
