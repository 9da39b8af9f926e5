"""Measuring an image: built from a pipeline (quietly, through :func:`framework.build`),
or taken from the local image store, then read layer by layer."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from framework.engines.docker import DockerEngine
from framework.errors import ImageStoreError
from framework.plan import BuildPlan, PlanStep, Stage, compile, describe_step
from framework.progress import SilentProgress
from framework.size.dead import DeadFile, dead_files
from framework.size.layers import SavedImage, read_image
from framework.size.mapping import history_offset, lineage_steps
from framework.size.report import LayerRow, SizeReport, StageSize, StepSize, Suggestion
from framework.size.show import human
from framework.spec import Bind, Image
from framework.spec.image import StagePath
from framework.spec.steps import Copy, Run

__all__ = ["measure", "measure_image"]

_TEMP_REPOSITORY = "framework-size"


def measure(
    image: Image, *, engine: DockerEngine | None = None, name: str | None = None
) -> SizeReport:
    """Build ``image`` (quietly, without lint; cached steps make this cheap) and each of
    its stages as a target of its own, then measure them: per layer and per step, dead
    bytes, each stage's size, suggestions. Only the docker engine can be measured.
    Raises what :func:`framework.build` raises."""
    engine = engine or DockerEngine()
    plan = compile(image)
    stages: list[StageSize] = []
    for stage_id, stage_image in _stage_images(image, plan).items():
        if stage_id == plan.target.id:
            continue
        with _built(stage_image, engine) as reference:
            stages.append(_stage_size(plan, plan.stage(stage_id), reference, engine))
    with _built(image, engine) as reference:
        saved = read_image(reference, engine.client, engine.host)
        final = _stage_size(plan, plan.target, reference, engine)
    report = _report(saved, final.image_id, final.size, plan, name or plan.target.name)
    stages.append(final)
    return dataclasses.replace(report, stages=tuple(stages), pipeline=name)


def measure_image(reference: str, *, engine: DockerEngine | None = None) -> SizeReport:
    """Measure ``reference`` (a name or id in the local image store): its layers, the
    history entry that made each, dead bytes. Steps are unknown: no pipeline."""
    engine = engine or DockerEngine()
    inspected = _inspect(engine, reference)
    saved = read_image(reference, engine.client, engine.host)
    return _report(saved, str(inspected["Id"]), int(inspected["Size"]), None, reference)


@contextmanager
def _built(image: Image, engine: DockerEngine) -> Iterator[str]:
    """Build ``image`` under a temporary tag, removed afterwards (the image itself stays
    while another name holds it; its layers stay in BuildKit's cache either way)."""
    from framework.build import build

    tag = f"{_TEMP_REPOSITORY}:{uuid.uuid4().hex[:16]}"
    build(image, tag=tag, engine=engine, progress=SilentProgress(), lint="off")
    try:
        yield tag
    finally:
        _docker(engine, "image", "rm", tag, check=False)


def _docker(engine: DockerEngine, *args: str, check: bool = True) -> str:
    client = engine.client
    done = subprocess.run(
        [client.path, *args], capture_output=True, text=True, check=False,
        env=client.environment(engine.host),
    )  # fmt: skip
    if check and done.returncode != 0:
        raise ImageStoreError(f"docker {' '.join(args[:2])}: {done.stderr.strip()}")
    return done.stdout


def _inspect(engine: DockerEngine, reference: str) -> dict[str, Any]:
    data: list[dict[str, Any]] = json.loads(_docker(engine, "image", "inspect", reference))
    return data[0]


def _stage_images(image: Image, plan: BuildPlan) -> dict[str, Image]:
    """Each stage of ``plan`` as the ``Image`` that describes it, by stage id."""
    found: dict[int, Image] = {}
    pending = [image]
    while pending:
        current = pending.pop()
        if id(current) in found:
            continue
        found[id(current)] = current
        if isinstance(current.base, Image):
            pending.append(current.base)
        pending += [
            s.source.image
            for s in current.steps
            if isinstance(s, Copy) and isinstance(s.source, StagePath)
        ]
        pending += [  # a stage a run step binds from is a stage of the plan too
            m.source.image
            for s in current.steps
            if isinstance(s, Run)
            for m in s.mounts
            if isinstance(m, Bind) and isinstance(m.source, StagePath)
        ]
    by_id = {compile(img).target.id: img for img in found.values()}
    return {stage.id: by_id[stage.id] for stage in plan.stages if stage.id in by_id}


def _stage_size(plan: BuildPlan, stage: Stage, reference: str, engine: DockerEngine) -> StageSize:
    inspected = _inspect(engine, reference)
    out = _docker(
        engine, "history", "--human=false", "--no-trunc", "--format", "{{json .}}", reference
    )
    entries = [json.loads(line) for line in reversed(out.splitlines()) if line.strip()]
    created = [str(e.get("CreatedBy", "")) for e in entries]
    sizes = [int(e.get("Size") or 0) for e in entries]
    steps = lineage_steps(plan, stage)
    offset = history_offset(created, steps)
    rows: list[StepSize] = []
    entry = offset
    for owner, step, words in steps:
        size = 0
        if entry is not None:
            size = sum(sizes[entry : entry + len(words)])
            entry += len(words)
        rows.append(StepSize(owner.name, describe_step(plan, step), _where(step), None, size))
    return StageSize(
        stage.name, stage is plan.target, str(inspected["Id"]), int(inspected["Size"]), tuple(rows)
    )


def _where(step: PlanStep) -> str | None:
    return None if step.origin is None else str(step.origin)


def _report(
    saved: SavedImage, image_id: str, size: int, plan: BuildPlan | None, name: str
) -> SizeReport:
    dead = dead_files(saved.layers)
    dead_by_layer: dict[int, int] = defaultdict(int)
    for item in dead:
        dead_by_layer[item.added_in] += item.bytes
    made_by: dict[int, tuple[str, str, str | None]] = {}  # layer -> (stage, step, where)
    steps: list[StepSize] = []
    note = None
    if plan is not None:
        lineage = lineage_steps(plan, plan.target)
        offset = history_offset([h.created_by for h in saved.history], lineage)
        if offset is None:
            note = (
                "the image's history does not match the pipeline's steps; layers are not attributed"
            )
        entry = offset
        for owner, step, words in lineage:
            layer = None
            if entry is not None:
                # At most one of a step's entries made a layer: its ARG lines make none.
                made = [h.layer for h in saved.history[entry : entry + len(words)]]
                layer = next((i for i in made if i is not None), None)
                entry += len(words)
            described = describe_step(plan, step)
            if layer is not None:
                made_by[layer] = (owner.name, described, _where(step))
            bytes_ = saved.layers[layer].bytes if layer is not None else 0
            steps.append(StepSize(owner.name, described, _where(step), layer, bytes_))
    created = {h.layer: h.created_by for h in saved.history if h.layer is not None}
    layers = tuple(
        LayerRow(
            index=i,
            bytes=layer.bytes,
            files=len(layer.files),
            created_by=created.get(i, ""),
            largest=tuple(layer.largest()),
            dead_bytes=dead_by_layer.get(i, 0),
            stage=made_by.get(i, (None, None, None))[0],
            step=made_by.get(i, (None, None, None))[1],
            where=made_by.get(i, (None, None, None))[2],
        )
        for i, layer in enumerate(saved.layers)
    )
    return SizeReport(
        image=name,
        image_id=image_id,
        size=size,
        layers=layers,
        dead=tuple(dead),
        steps=tuple(steps),
        suggestions=tuple(_suggestions(saved, layers, dead, plan is not None)),
        note=note,
    )


_APT_FILES = ("/var/lib/apt/lists/", "/var/cache/apt/")
_TOOLCHAINS = (
    "/usr/lib/gcc/",
    "/usr/libexec/gcc/",
    "/usr/local/go/",
    "/usr/lib/go-",
    "/usr/local/cargo/",
    "/usr/local/rustup/",
)
_THRESHOLD = 100_000  # bytes: below this a suggestion is noise


def _suggestions(
    saved: SavedImage, layers: tuple[LayerRow, ...], dead: list[DeadFile], from_pipeline: bool
) -> list[Suggestion]:
    found: list[Suggestion] = []
    ours = (
        {row.index for row in layers if row.step is not None}
        if from_pipeline
        else set(range(len(layers)))
    )
    groups: dict[tuple[int, int, str], list[DeadFile]] = defaultdict(list)
    for item in dead:
        # Only files a step of the pipeline added: a step that rewrites a base image's
        # file (dpkg's status, debconf's caches) cannot avoid it.
        if item.added_in in ours:
            groups[(item.added_in, item.removed_in, item.how)].append(item)
    for (added, removed, how), items in groups.items():
        total = sum(i.bytes for i in items)
        if total == 0:
            continue
        paths = ", ".join(i.path for i in sorted(items, key=lambda i: -i.bytes)[:3])
        more = f" and {len(items) - 3} more" if len(items) > 3 else ""
        found.append(
            Suggestion(
                "FW112",
                f"{human(total)} in {paths}{more}, added by {_layer_name(layers[added])} and "
                f"{how} by {_layer_name(layers[removed])}, still ship in the earlier layer",
                layers[removed].where or layers[added].where,
                total,
            )
        )
    hidden = {(d.added_in, d.path) for d in dead}
    for row, layer in zip(layers, saved.layers, strict=True):
        if row.index not in ours:
            continue
        kept = {p: b for p, b in layer.files.items() if (row.index, p) not in hidden}
        checks = (
            ("FW102", "apt package lists and caches", lambda p: p.startswith(_APT_FILES)),
            ("FW111", "pip's download cache", lambda p: "/.cache/pip/" in p),
            ("FW110", "compilers and toolchains", lambda p: p.startswith(_TOOLCHAINS)),
        )
        for rule, what, selects in checks:
            total = sum(b for p, b in kept.items() if selects(p))
            if total >= _THRESHOLD:
                found.append(
                    Suggestion(
                        rule,
                        f"{_layer_name(row)} ships {human(total)} of {what}",
                        row.where,
                        total,
                    )
                )
    return sorted(found, key=lambda s: -s.bytes)


def _layer_name(row: LayerRow) -> str:
    if row.step is not None:
        return f"{row.step} ({row.where})" if row.where else row.step
    return f"layer {row.index}" + (f" ({row.created_by[:60]})" if row.created_by else "")
