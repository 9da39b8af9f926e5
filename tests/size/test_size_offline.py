"""Reading layers, dead bytes, steps to history, and the drawings: no daemon needed
(tests/e2e/test_size.py measures real images)."""

from __future__ import annotations

import io
import tarfile
import xml.etree.ElementTree as ET

from framework import Image, Inline, compile
from framework.size import LayerRow, SizeReport, to_svg, to_text
from framework.size.dead import dead_files
from framework.size.layers import Layer, read_layer
from framework.size.mapping import history_offset, lineage_steps


def _tar(*members: tuple[str, bytes | None]) -> io.BytesIO:
    """A layer tar: ``(name, content)``; content ``None`` is a directory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if content is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    buffer.seek(0)
    return buffer


def test_read_layer_sees_files_whiteouts_and_opaque_directories() -> None:
    layer = read_layer(
        _tar(
            ("./app/", None),
            ("app/big.bin", b"x" * 1000),
            ("app/.wh.old.txt", b""),
            ("var/cache/.wh..wh..opq", b""),
        )
    )
    assert layer.files == {"/app/big.bin": 1000}
    assert layer.whiteouts == ["/app/old.txt"]
    assert layer.opaque == ["/var/cache"]
    assert layer.others == ["/app"]
    assert layer.bytes == 1000
    assert layer.largest(1) == [("/app/big.bin", 1000)]


def test_dead_bytes_deleted_overwritten_and_opaque() -> None:
    layers = (
        Layer(files={"/big.bin": 1_048_576, "/keep": 5, "/cache/a": 7, "/etc/conf": 3}),
        Layer(files={"/etc/conf": 4}),  # overwritten
        Layer(whiteouts=["/big.bin"], opaque=["/cache"]),
        Layer(files={"/big.bin": 2}),  # a new file at the same path is alive
    )
    dead = {(d.path, d.bytes, d.added_in, d.removed_in, d.how) for d in dead_files(layers)}
    assert dead == {
        ("/etc/conf", 3, 0, 1, "overwritten"),
        ("/big.bin", 1_048_576, 0, 2, "deleted"),
        ("/cache/a", 7, 0, 2, "deleted"),
    }


def test_a_deleted_directory_kills_everything_below_it_only() -> None:
    layers = (
        Layer(files={"/src/a.c": 10, "/src/sub/b.c": 20, "/srcfile": 1}),
        Layer(whiteouts=["/src"]),
    )
    assert sorted(d.path for d in dead_files(layers)) == ["/src/a.c", "/src/sub/b.c"]


def test_history_lines_up_with_the_steps_that_render_an_instruction() -> None:
    image = (
        Image.from_("debian:bookworm-slim")
        .workdir("/app")
        .env(A="1")
        .label(note="line one\nline two")  # set by the build command: no history entry
        .copy(Inline("x"), "/app/x")
        .run("true")
        .cmd(["true"])
    )
    plan = compile(image)
    steps = lineage_steps(plan, plan.target)
    history = [
        "",  # the base image's own entry
        "WORKDIR /app",
        "ENV A=1",
        "COPY c-1 /app/x # buildkit",
        "RUN /bin/sh -c true # buildkit",
        'CMD ["true"]',
    ]
    assert history_offset(history, steps) == 1
    assert history_offset(history[:-1], steps) is None  # the words do not line up
    assert history_offset(["CMD x"], steps) is None


def _report() -> SizeReport:
    rows = (
        LayerRow(0, 5_000_000, 10, "Imported from -", (("/usr/bin/perl", 3_800_000),), 0),
        LayerRow(1, 1_048_576, 1, "RUN head", (("/big.bin", 1_048_576),), 1_048_576,
                 "stage-0", "RUN head -c 1048576 /dev/urandom > /big.bin", "p.py:5"),
        LayerRow(2, 0, 0, "RUN rm /big.bin", (), 0, "stage-0", "RUN rm /big.bin", "p.py:6"),
    )  # fmt: skip
    return SizeReport(image="p & <q>", image_id="sha256:" + "a" * 64, size=6_048_576,
                      layers=rows, dead=())  # fmt: skip


def test_svg_is_xml_with_one_bar_per_layer() -> None:
    root = ET.fromstring(to_svg(_report()))
    bars = [e for e in root.iter("{http://www.w3.org/2000/svg}rect") if e.get("class") == "layer"]
    assert [int(b.get("data-layer", "-1")) for b in bars] == [0, 1, 2]
    widths = [int(b.get("width", "-1")) for b in bars]
    assert widths[0] > widths[1] > widths[2] == 0
    assert "p &amp; &lt;q&gt;" in to_svg(_report())


def test_text_names_steps_and_their_largest_files() -> None:
    text = to_text(_report())
    assert "RUN head -c 1048576 /dev/urandom > /big.bin" in text
    assert "/big.bin" in text
    assert "6.0 MB" in text
