"""From BuildKit vertices to the plan's steps: which step a vertex is, how it went, and
the :class:`BuildError` a failed build raises."""

from __future__ import annotations

from framework.engines.base import Redactor, StepKey, StepReport, StepStatus
from framework.engines.docker.output import OutputParser, Vertex
from framework.errors import BuildError
from framework.plan import BuildPlan, RunOp, Stage, describe_step
from framework.render import RenderedBuild

__all__ = ["failure", "locate", "reports", "step_report", "unfinished_step"]

_STATUS: dict[str, StepStatus] = {
    "cached": "cached",
    "done": "executed",
    "error": "failed",
    "cancelled": "cancelled",
}


def _status(vertex: Vertex) -> StepStatus:
    return _STATUS.get(vertex.status, "unknown")


def locate(plan: BuildPlan, rendered: RenderedBuild, vertex: Vertex) -> tuple[StepKey, str] | None:
    """The step key and description of ``vertex``, if it is a step."""
    found = _step_of(plan, rendered, vertex)
    if found is None:
        return None
    stage, number = found
    return StepKey(stage.name, number + 1), describe_step(plan, stage.steps[number])


def step_report(plan: BuildPlan, rendered: RenderedBuild, vertex: Vertex) -> StepReport | None:
    """The report of the step ``vertex`` ran, once it finished; ``None`` if not a step."""
    found = _step_of(plan, rendered, vertex)
    if found is None:
        return None
    stage, number = found
    step = stage.steps[number]
    return StepReport(
        stage=stage.name,
        index=number + 1,
        description=describe_step(plan, step),
        status=_status(vertex),
        duration=vertex.duration,
        where=None if step.origin is None else str(step.origin),
    )


def _step_of(plan: BuildPlan, rendered: RenderedBuild, vertex: Vertex) -> tuple[Stage, int] | None:
    if vertex.index is None:
        return None
    # BuildKit leaves the name out when the Dockerfile has one stage.
    names = {known.name for known in rendered.vertices}
    name = vertex.stage or (names.pop() if len(names) == 1 else None)
    for known in rendered.vertices:
        if known.name == name and known.index == vertex.index and known.step is not None:
            return next(s for s in plan.stages if s.name == known.stage), known.step
    return None


def reports(
    plan: BuildPlan, rendered: RenderedBuild, parser: OutputParser
) -> tuple[StepReport, ...]:
    """One report per step of the plan, in order: ``config`` for steps that only change
    the image config, ``unknown`` for steps BuildKit did not show."""
    seen: dict[tuple[str, int], StepReport] = {}
    for vertex in parser.vertices.values():
        report = step_report(plan, rendered, vertex)
        if report is not None:
            seen[(report.stage, report.index)] = report
    vertex_of = {(v.stage, v.step) for v in rendered.vertices if v.step is not None}
    result: list[StepReport] = []
    for stage in plan.stages:
        for number, step in enumerate(stage.steps):
            shown = seen.get((stage.name, number + 1))
            if shown is not None:
                result.append(shown)
                continue
            status: StepStatus = "unknown" if (stage.name, number) in vertex_of else "config"
            result.append(
                StepReport(
                    stage=stage.name,
                    index=number + 1,
                    description=describe_step(plan, step),
                    status=status,
                    where=None if step.origin is None else str(step.origin),
                )
            )
    return tuple(result)


def unfinished_step(plan: BuildPlan, rendered: RenderedBuild, parser: OutputParser) -> str | None:
    """``"N of stage S (description)"`` for the last step that started and did not
    finish successfully (still running, failed or cancelled), if any."""
    for vertex in reversed(parser.unfinished()):
        found = _step_of(plan, rendered, vertex)
        if found is not None:
            stage, number = found
            shown = describe_step(plan, stage.steps[number])
            return f"{number + 1} of stage {stage.name} ({shown})"
    return None


def failure(
    plan: BuildPlan, rendered: RenderedBuild, parser: OutputParser, redact: Redactor
) -> BuildError:
    """The :class:`BuildError` for a build that BuildKit reported as failed."""
    failed = parser.failed()
    other = tuple(redact(line) for line in parser.other)
    if failed is not None:
        found = _step_of(plan, rendered, failed)
        if found is None:
            return BuildError(
                redact(failed.error or failed.name), output_tail=tuple(failed.output) + other
            )
        stage, number = found
        step = stage.steps[number]
        command = step.command if isinstance(step, RunOp) else None
        return BuildError(
            redact(failed.error or "step failed"),
            stage=stage.name,
            step=f"{number + 1}: {describe_step(plan, step)}",
            command=redact(command) if command else None,
            where=None if step.origin is None else str(step.origin),
            output_tail=tuple(failed.output),
        )
    problem = next((line for line in reversed(other) if "error" in line.lower()), None)
    return BuildError(problem or "docker build failed", output_tail=other)
