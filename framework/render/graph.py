"""The stage graph of a plan as Mermaid or Graphviz DOT text. Pure."""

from __future__ import annotations

import json

from framework.plan import BuildPlan, Stage, StageCopyOp

__all__ = ["to_dot", "to_mermaid"]


def _label(stage: Stage) -> str:
    base = stage.base or ("scratch" if stage.base_stage is None else "")
    head = f"{stage.name} ({stage.short})"
    detail = f"FROM {base}, " if base else ""
    return f"{head}\\n{detail}{len(stage.steps)} steps"


def _edges(plan: BuildPlan) -> list[tuple[Stage, Stage, str]]:
    edges: list[tuple[Stage, Stage, str]] = []
    for stage in plan.stages:
        for needed in stage.depends_on:
            kind = "base" if needed == stage.base_stage else _use(stage, needed)
            edges.append((plan.stage(needed), stage, kind))
    return edges


def _use(stage: Stage, needed: str) -> str:
    """``copy`` when a step copies out of ``needed``, else ``bind`` (a run step mounts it)."""
    copies = any(isinstance(s, StageCopyOp) and s.stage == needed for s in stage.steps)
    return "copy" if copies else "bind"


def to_mermaid(plan: BuildPlan) -> str:
    """``flowchart LR`` with one node per stage and an edge per dependency."""
    ids = {stage.id: f"s{i}" for i, stage in enumerate(plan.stages)}
    lines = ["flowchart LR"]
    for stage in plan.stages:
        text = _label(stage).replace("\\n", "<br/>").replace('"', "#quot;")
        shape = ("[[", "]]") if stage is plan.target else ("[", "]")
        lines.append(f'    {ids[stage.id]}{shape[0]}"{text}"{shape[1]}')
    for source, target, kind in _edges(plan):
        lines.append(f"    {ids[source.id]} -->|{kind}| {ids[target.id]}")
    return "\n".join(lines) + "\n"


def to_dot(plan: BuildPlan) -> str:
    """A ``digraph`` with one node per stage (the target doubled) and an edge per dependency."""
    lines = ["digraph plan {", "    rankdir=LR;", "    node [shape=box];"]
    for stage in plan.stages:
        style = ", peripheries=2" if stage is plan.target else ""
        label = json.dumps(_label(stage)).replace("\\\\n", "\\n")
        lines.append(f"    {json.dumps(stage.name)} [label={label}{style}];")
    for source, target, kind in _edges(plan):
        lines.append(f"    {json.dumps(source.name)} -> {json.dumps(target.name)} [label={kind}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
