"""The build plan: ``compile()`` turns an ``Image`` into a DAG of stages of lowered operations."""

from framework.plan.compile import compile
from framework.plan.describe import describe_step
from framework.plan.model import BuildPlan, Stage
from framework.plan.ops import (
    AddArchiveOp,
    AddUrlOp,
    ArgOp,
    BuildArgs,
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
    changes_filesystem,
)

__all__ = [
    "AddArchiveOp",
    "AddUrlOp",
    "ArgOp",
    "BuildArgs",
    "BuildPlan",
    "CmdOp",
    "CopyOp",
    "EntrypointOp",
    "EnvOp",
    "ExposeOp",
    "HealthcheckOp",
    "LabelOp",
    "PlanStep",
    "RunOp",
    "ShellOp",
    "Stage",
    "StageCopyOp",
    "StopSignalOp",
    "UserOp",
    "VolumeOp",
    "WorkdirOp",
    "changes_filesystem",
    "compile",
    "describe_step",
]
