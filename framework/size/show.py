"""A :class:`SizeReport` for people: a text table, or an SVG with a bar per layer."""

from __future__ import annotations

from xml.sax.saxutils import escape

from framework.size.report import SizeReport

__all__ = ["human", "to_svg", "to_text"]


def human(size: float) -> str:
    """Bytes as people read them, in powers of 1000 as Docker prints them."""
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _label(report: SizeReport, index: int) -> str:
    row = report.layers[index]
    if row.step is not None:
        return row.step
    if not report.steps:  # an image measured alone: no step to name
        return row.created_by or "(no history entry)"
    return f"base: {row.created_by}" if row.created_by else "base layer"


def to_text(report: SizeReport) -> str:
    """The default output: the image, its layers (base layers folded into one line),
    steps, dead bytes, stages and suggestions."""
    lines = [
        f"{report.image}  {report.image_id[:19]}  {human(report.size)}, "
        f"{len(report.layers)} layers, {human(report.dead_bytes)} dead"
    ]
    if report.note:
        lines.append(f"note: {report.note}")
    base = [row for row in report.layers if row.step is None]
    if report.steps and base:
        total = sum(row.bytes for row in base)
        lines.append(f"  {'base':>5}  {human(total):>9}  {len(base)} layer(s) of the base image")
    if report.steps:
        for step in report.steps:
            where = f"  ({step.where})" if step.where else ""
            lines.append(f"  {step.layer if step.layer is not None else '-':>5}  "
                         f"{human(step.bytes):>9}  {step.step[:70]}{where}")  # fmt: skip
            if step.layer is not None:
                lines += _largest(report, step.layer)
    else:
        for row in report.layers:
            lines.append(
                f"  {row.index:>5}  {human(row.bytes):>9}  {_label(report, row.index)[:80]}"
            )
            lines += _largest(report, row.index)
    if report.dead:
        lines.append(f"dead bytes (ship, but a later layer hides them): {human(report.dead_bytes)}")
        for item in sorted(report.dead, key=lambda d: -d.bytes)[:10]:
            lines.append(f"  {human(item.bytes):>9}  {item.path}  (layer {item.added_in}, "
                         f"{item.how} in layer {item.removed_in})")  # fmt: skip
    if report.stages:
        lines.append("stages:")
        final = next((s for s in report.stages if s.final), None)
        for stage in report.stages:
            kind = "final image" if stage.final else "build stage"
            ratio = ""
            if final is not None and not stage.final and final.size:
                ratio = f", {stage.size / final.size:.0f}x the final image"
            lines.append(f"  {stage.name}  {human(stage.size)}  ({kind}{ratio})")
    for suggestion in report.suggestions:
        where = f"{suggestion.where}: " if suggestion.where else ""
        lines.append(f"suggestion {suggestion.rule}: {where}{suggestion.message}")
    return "\n".join(lines) + "\n"


def _largest(report: SizeReport, index: int) -> list[str]:
    row = report.layers[index]
    return [f"{'':>18}{human(size):>9}  {path}" for path, size in row.largest[:3] if size]


def to_svg(report: SizeReport) -> str:
    """A horizontal bar per layer (``<rect class="layer">``), its width proportional
    to the layer's bytes, labelled with the step (or base history entry) and size;
    dead bytes drawn over the bar in a second colour."""
    width, bar_width, row_height, left = 980, 420, 22, 10
    largest = max((row.bytes for row in report.layers), default=0) or 1
    height = 40 + row_height * len(report.layers)
    title = escape(f"{report.image}: {human(report.size)}, {human(report.dead_bytes)} dead")
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">',
        f'<text x="{left}" y="18" font-weight="bold">{title}</text>',
    ]
    for n, row in enumerate(report.layers):
        y = 30 + n * row_height
        bar = max(1, round(bar_width * row.bytes / largest)) if row.bytes else 0
        dead = round(bar_width * row.dead_bytes / largest)
        label = escape(f"{human(row.bytes):>9}  {_label(report, row.index)[:70]}")
        parts.append(
            f'<rect class="layer" data-layer="{row.index}" data-bytes="{row.bytes}" '
            f'x="{left}" y="{y}" width="{bar}" height="{row_height - 6}" fill="#4a7ebb">'
            f"<title>{label}</title></rect>"
        )
        if dead:
            parts.append(
                f'<rect class="dead" x="{left}" y="{y}" width="{min(dead, bar)}" '
                f'height="{row_height - 6}" fill="#d9534f"/>'
            )
        parts.append(f'<text x="{left + bar_width + 10}" y="{y + 12}">{label}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
