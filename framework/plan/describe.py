"""Steps as a person reads them, for progress displays, reports and errors."""

from __future__ import annotations

import json

from framework.plan.model import BuildPlan, PlanStep, StageCopy
from framework.spec import (
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Label,
    Run,
    User,
    Workdir,
)

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
    if isinstance(step, User):
        return f"USER {step.user}"
    if isinstance(step, Env | Label):
        pairs = " ".join(f"{k}={json.dumps(v)}" for k, v in step.values)
        return f"{step.kind.upper()} {pairs}"
    if isinstance(step, Expose):
        return f"EXPOSE {step.port}/{step.protocol}"
    if isinstance(step, Entrypoint | Cmd):
        return f"{step.kind.upper()} {json.dumps(list(step.argv))}"
    assert isinstance(step, Healthcheck)
    if step.script is not None:
        return f"HEALTHCHECK {step.script}"
    if step.argv is None:
        return "HEALTHCHECK NONE"
    return f"HEALTHCHECK {json.dumps(list(step.argv))}"
