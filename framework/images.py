"""Image operations on the engine's local image store (``docker images``, ``pull``,
``tag``, ``rmi``), as functions. ``pull`` honours ``$FRAMEWORK_REGISTRY_MIRROR``."""

from framework.engines.docker.images import (
    image_size,
    inspect_image,
    list_images,
    mirror_reference,
    pull,
    remove,
    tag,
)

__all__ = [
    "image_size",
    "inspect_image",
    "list_images",
    "mirror_reference",
    "pull",
    "remove",
    "tag",
]
