"""Plan -> Dockerfile text and build-context listing (pure)."""

from framework.render.dockerfile import ContextEntry, RenderedBuild, StepVertex, render

__all__ = ["ContextEntry", "RenderedBuild", "StepVertex", "render"]
