"""Steps as a person reads them, for progress displays, reports and errors."""

from __future__ import annotations

import json
from typing import assert_never

from framework.plan.model import BuildPlan
from framework.plan.ops import (
    AddArchiveOp,
    AddUrlOp,
    ArgOp,
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
    StageCopyOp,
    StopSignalOp,
    UserOp,
    VolumeOp,
    WorkdirOp,
)

__all__ = ["describe_step"]


def describe_step(plan: BuildPlan, step: PlanStep) -> str:
    """A step as a person reads it, e.g. ``RUN pip install -r requirements.txt``."""
    match step:
        case RunOp():
            return f"RUN {step.command}"
        case CopyOp():
            return f"COPY {step.source.describe()} -> {step.declared}"
        case StageCopyOp():
            return f"COPY {plan.stage(step.stage).name}:{step.path} -> {step.written}"
        case AddArchiveOp():
            return f"ADD {step.source.describe()} -> {step.written}"
        case AddUrlOp():
            return f"ADD {step.source.describe()} -> {step.written}"
        case WorkdirOp():
            return f"WORKDIR {step.written}"
        case UserOp():
            return f"USER {step.user}"
        case EnvOp():
            return f"ENV {_pairs(step.values)}"
        case ArgOp():
            return "ARG " + " ".join(
                name if value is None else f"{name}={json.dumps(value)}"
                for name, value in step.values
            )
        case LabelOp():
            return f"LABEL {_pairs(step.values)}"
        case ExposeOp():
            return f"EXPOSE {step.port}/{step.protocol}"
        case EntrypointOp():
            return f"ENTRYPOINT {json.dumps(list(step.argv))}"
        case CmdOp():
            return f"CMD {json.dumps(list(step.argv))}"
        case HealthcheckOp():
            if step.script is not None:
                return f"HEALTHCHECK {step.script}"
            if step.argv is None:
                return "HEALTHCHECK NONE"
            return f"HEALTHCHECK {json.dumps(list(step.argv))}"
        case VolumeOp():
            return f"VOLUME {json.dumps(list(step.written))}"
        case StopSignalOp():
            return f"STOPSIGNAL {step.signal}"
        case ShellOp():
            return f"SHELL {json.dumps(list(step.argv))}"
        case _:
            assert_never(step)


def _pairs(values: tuple[tuple[str, str], ...]) -> str:
    return " ".join(f"{k}={json.dumps(v)}" for k, v in values)
