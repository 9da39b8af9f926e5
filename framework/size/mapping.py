"""Which history entry of a built image each step made.

The docker engine renders one Dockerfile instruction per step (none for a label whose
values all hold a line break: the build command sets those), and BuildKit records one
history entry per instruction after the base image's own (``FROM`` records nothing;
an ``arg`` step's ``ARG`` line records one), marking those that made no layer
``empty_layer``. So the last entries
of an image's history are the steps of its stage and of the stages it is built FROM, in
order; the instruction word each entry starts with is checked against its step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from framework.lint.rules import shipped_stages_of
from framework.plan import (
    AddArchiveOp,
    AddUrlOp,
    ArgOp,
    BuildPlan,
    CmdOp,
    CopyOp,
    EntrypointOp,
    EnvOp,
    ExposeOp,
    HealthcheckOp,
    LabelOp,
    PlanStep,
    RunOp,
    ShellOp,
    Stage,
    StageCopyOp,
    StopSignalOp,
    UserOp,
    VolumeOp,
    WorkdirOp,
)

__all__ = ["history_offset", "lineage_steps"]


def _instruction(step: PlanStep) -> str | None:
    """The Dockerfile instruction ``step`` renders as (``None``: none)."""
    match step:
        case RunOp():
            return "RUN"
        case CopyOp() | StageCopyOp() | AddUrlOp():
            return "COPY"
        case AddArchiveOp():
            return "ADD"
        case EnvOp():
            return "ENV"
        case ArgOp():
            return "ARG"
        case LabelOp():
            single = [v for _, v in step.values if "\n" not in v and "\r" not in v]
            return "LABEL" if single else None
        case WorkdirOp():
            return "WORKDIR"
        case UserOp():
            return "USER"
        case ExposeOp():
            return "EXPOSE"
        case EntrypointOp():
            return "ENTRYPOINT"
        case CmdOp():
            return "CMD"
        case HealthcheckOp():
            return "HEALTHCHECK"
        case VolumeOp():
            return "VOLUME"
        case StopSignalOp():
            return "STOPSIGNAL"
        case ShellOp():
            return "SHELL"
        case _:
            assert_never(step)


def lineage_steps(plan: BuildPlan, stage: Stage) -> list[tuple[Stage, PlanStep, str | None]]:
    """Every step the image of ``stage`` is made of (its FROM stages' first), with the
    instruction each renders as."""
    return [
        (owner, step, _instruction(step))
        for owner in shipped_stages_of(plan, stage)
        for step in owner.steps
    ]


def history_offset(
    created_by: Sequence[str], steps: Sequence[tuple[Stage, PlanStep, str | None]]
) -> int | None:
    """The index of the history entry the first rendered step made, or ``None`` when
    the history does not end with the steps' instructions (an image built otherwise)."""
    words = [word for _, _, word in steps if word is not None]
    offset = len(created_by) - len(words)
    if offset < 0:
        return None
    for entry, word in zip(created_by[offset:], words, strict=True):
        if entry.split(" ", 1)[0] != word:
            return None
    return offset
