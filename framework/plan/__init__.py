"""The build plan: ``compile()`` turns an ``Image`` into a content-addressed DAG of stages."""

from framework.plan.compile import compile
from framework.plan.describe import describe_step
from framework.plan.model import FILESYSTEM_STEPS, BuildPlan, PlanStep, Stage, StageCopy

__all__ = [
    "FILESYSTEM_STEPS",
    "BuildPlan",
    "PlanStep",
    "Stage",
    "StageCopy",
    "compile",
    "describe_step",
]
