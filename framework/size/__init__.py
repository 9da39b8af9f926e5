"""``framework size``: where an image's bytes are, per layer and per step.

:func:`measure` builds a pipeline's image (and each of its stages, as targets of their
own: cached, so cheap) on the docker engine and reads its layers with ``docker save``;
:func:`measure_image` measures an image already in the local store. A
:class:`SizeReport` has each layer's bytes and largest files, the step that made it
(history entries line up with steps: one per rendered instruction, after the base
image's), dead bytes (files a later layer deletes or overwrites: they still ship),
each stage's size, and suggestions tied to lint rules. :func:`to_text` and
:func:`to_svg` draw it.
"""

from framework.size.dead import DeadFile
from framework.size.measure import measure, measure_image
from framework.size.report import LayerRow, SizeReport, StageSize, StepSize, Suggestion
from framework.size.show import to_svg, to_text

__all__ = [
    "DeadFile",
    "LayerRow",
    "SizeReport",
    "StageSize",
    "StepSize",
    "Suggestion",
    "measure",
    "measure_image",
    "to_svg",
    "to_text",
]
