"""Which history entries of a built image each step made.

BuildKit records one history entry per Dockerfile instruction after the base image's own
(``FROM`` records nothing, an ``ARG`` line records one), marking those that made no layer
``empty_layer``. Which instructions a step renders as is the renderer's to say
(:attr:`framework.render.RenderedBuild.instructions`): usually one, none for a label
whose values all hold a line break (the build command sets those), two for a multi-line
env value or a ``no_cache`` run step (an ``ARG`` line first). So the last entries of an
image's history are those of the steps of its stage and of the stages it is built FROM,
in order; the instruction word each entry starts with is checked against its step's.

The plan is rendered with :data:`~framework.render.features.BASELINE`: the features the
docker engine detects for a daemon change flags only (``COPY --link``), never which
instructions a step writes (tests/size/test_step_instructions.py checks every
combination).
"""

from __future__ import annotations

from collections.abc import Sequence

from framework.lint.rules import shipped_stages_of
from framework.plan import BuildPlan, PlanStep, Stage
from framework.render import render

__all__ = ["history_offset", "lineage_steps"]


def lineage_steps(plan: BuildPlan, stage: Stage) -> list[tuple[Stage, PlanStep, tuple[str, ...]]]:
    """Every step the image of ``stage`` is made of (its FROM stages' first), with the
    instruction words of the lines the renderer writes for it (``()``: none), each of
    which makes one history entry."""
    written = {(s.stage, s.step): s.words for s in render(plan).instructions}
    return [
        (owner, step, written[(owner.name, number)])
        for owner in shipped_stages_of(plan, stage)
        for number, step in enumerate(owner.steps)
    ]


def history_offset(
    created_by: Sequence[str], steps: Sequence[tuple[Stage, PlanStep, tuple[str, ...]]]
) -> int | None:
    """The index of the history entry the first rendered step made (the steps' entries
    follow it, ``len(words)`` each), or ``None`` when the history does not end with the
    steps' instructions (an image built otherwise)."""
    words = [word for _, _, step_words in steps for word in step_words]
    offset = len(created_by) - len(words)
    if offset < 0:
        return None
    for entry, word in zip(created_by[offset:], words, strict=True):
        if entry.split(" ", 1)[0] != word:
            return None
    return offset
