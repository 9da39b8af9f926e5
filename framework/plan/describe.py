"""Steps as a person reads them, for progress displays, reports and errors."""

from __future__ import annotations

from framework.plan.model import BuildPlan, PlanStep, StageCopy
from framework.spec import Copy, Run, Workdir

__all__ = ["describe_step"]


def describe_step(plan: BuildPlan, step: PlanStep) -> str:
    """A step as a person reads it, e.g. ``RUN pip install -r requirements.txt``."""
    if isinstance(step, Run):
        return f"RUN {step.command()}"
    if isinstance(step, Copy):
        return f"COPY {step.source.describe()} -> {step.dest}"
    if isinstance(step, StageCopy):
        return f"COPY {plan.stage(step.stage).name}:{step.path} -> {step.dest}"
    if isinstance(step, Workdir):
        return f"WORKDIR {step.path}"
    return f"{step.kind.upper()} " + step.model_dump_json(exclude={"kind"})
