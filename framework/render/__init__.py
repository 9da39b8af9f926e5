"""Plan -> Dockerfile text and build-context listing (pure)."""

from framework.render.dockerfile import (
    NO_CACHE_ARG,
    ContextEntry,
    RenderedBuild,
    StepInstructions,
    StepVertex,
    render,
)

__all__ = [
    "NO_CACHE_ARG",
    "ContextEntry",
    "RenderedBuild",
    "StepInstructions",
    "StepVertex",
    "render",
]
