"""``COPY --from`` without ``--chown`` keeps the stage's owners under docker build: the
imported pipeline says ``keep_owner=True``; with ``--chown`` it gives the owner."""

from __future__ import annotations

from pathlib import Path

from framework import compile
from framework.importer import convert_dockerfile
from framework.plan import StageCopyOp
from tests.importer.test_import_generate import _image, _module


def test_copy_from_keeps_owners_unless_chown_names_one(tmp_path: Path) -> None:
    dockerfile = (
        "FROM debian:bookworm-slim AS build\nRUN touch /out\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /out /kept\n"
        "COPY --from=build --chown=5:6 /out /given\n"
        "COPY --from=debian:bookworm-slim /etc/hostname /etc\n"
    )
    module = _module(tmp_path, dockerfile)
    source = Path(module.__file__ or "").read_text()
    assert '.copy(build_stage / "/out", "/kept", keep_owner=True)' in source
    assert '.copy(build_stage / "/out", "/given", owner="5:6")' in source
    kept, given, image = compile(_image(module)).target.steps
    assert isinstance(kept, StageCopyOp)
    assert isinstance(given, StageCopyOp)
    assert isinstance(image, StageCopyOp)
    assert (kept.owner, given.owner, image.owner) == (None, "5:6", None)
    # /etc exists in the image: the file lands inside it, as docker build puts it
    assert image.inside == "/etc/hostname"
    result = convert_dockerfile(tmp_path / "ctx" / "Dockerfile")
    assert not [note for note in result.notes if "owner" in note]
