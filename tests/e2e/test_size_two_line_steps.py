"""``framework size`` on the real daemon for steps the renderer writes as two lines (an
``ARG`` line first: a multi-line env value, a ``no_cache`` run step) or as none (a label
whose values all hold a line break): every step still lines up with its history entries
and each layer is attributed to the step that made it."""

from __future__ import annotations

from framework import Image
from framework.size import measure
from tests.e2e.conftest import Docker


def test_steps_of_two_lines_or_none_line_up_with_the_history(docker: Docker) -> None:
    image = (
        Image.from_("debian:bookworm-slim")
        .run("head -c 1000 /dev/zero > /a")
        .env(NOTE="line one\nline two")  # ARG NOTE + ENV; the next RUN starts a new stage
        .run("head -c 2000 /dev/zero > /b")
        .run("head -c 3000 /dev/zero > /c", no_cache=True)  # ARG FRAMEWORK_NO_CACHE + RUN
        .label(note="one\ntwo")  # set by the build command: no line, no history entry
        .cmd(["true"])
    )
    report = measure(image, engine=docker.engine, name="wt-size-two-lines")
    assert report.note is None  # every step lined up with the image's history
    by_step = {s.step: s for s in report.steps}
    for command, size in (("/a", 1000), ("/b", 2000), ("/c", 3000)):
        step = next(s for s in report.steps if s.step.endswith(f"/dev/zero > {command}"))
        assert step.bytes == size
        assert step.layer is not None
        assert report.layers[step.layer].bytes == size
        assert report.layers[step.layer].step == step.step
    config = [s for name, s in by_step.items() if not name.startswith("RUN")]
    assert [s.step.split(" ", 1)[0] for s in config] == ["ENV", "LABEL", "CMD"]
    assert all(s.layer is None and s.bytes == 0 for s in config)
    # The stage's own measure (from `docker history`) attributes the same steps; its
    # sizes are exact on the classic store, disk blocks (8192) on the containerd store.
    (final,) = report.stages
    assert [s.bytes > 0 for s in final.steps] == [True, False, True, True, False, False]
