"""``ADD`` imported: a local tar archive becomes ``.add(context / ...)``, a URL with
``--checksum=sha256:`` becomes ``.add(Url(...))``; any other local file is copied, as
Docker copies it. (A URL cannot be in the built corpus: Docker 20.10 does not parse
``ADD --checksum``; the e2e test ``tests/e2e/test_add_url.py`` compares the URL case.)"""

from __future__ import annotations

import hashlib
import io
import tarfile
import types
from pathlib import Path

from framework import Image, Url
from framework.importer import convert_dockerfile
from framework.plan import AddArchiveOp, AddUrlOp, CopyOp
from framework.plan import compile as compile_plan

SHA = hashlib.sha256(b"tool").hexdigest()


def _archive() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:bz2") as archive:
        info = tarfile.TarInfo("pkg/a")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"a"))
    return out.getvalue()


def _convert(tmp_path: Path, dockerfile: str) -> tuple[Image, str, tuple[str, ...]]:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "vendor.tar.bz2").write_bytes(_archive())
    (ctx / "also.bin").write_bytes(_archive())
    (ctx / "fake.tar.gz").write_text("not an archive\n")
    (ctx / "Dockerfile").write_text(dockerfile)
    output = tmp_path / "pipeline.py"
    result = convert_dockerfile(ctx / "Dockerfile", output=output)
    assert result.ok, [str(p) for p in result.problems]
    module = types.ModuleType("pipeline")
    module.__file__ = str(output)
    exec(compile(result.source, str(output), "exec"), module.__dict__)
    image = module.pipeline()
    assert isinstance(image, Image)
    return image, result.source, result.notes


def test_a_local_archive_is_added_and_any_other_file_copied_by_content(tmp_path: Path) -> None:
    image, source, _ = _convert(
        tmp_path,
        "FROM debian:bookworm-slim\n"
        "ADD vendor.tar.bz2 /opt/\n"
        "ADD fake.tar.gz /opt/fake.tar.gz\n"
        "ADD *.bin /srv/\n",
    )
    assert '.add(context / "vendor.tar.bz2", "/opt/")' in source
    assert '.copy(context / "fake.tar.gz", "/opt/fake.tar.gz")' in source
    assert '.add(context / "also.bin", "/srv/")' in source
    steps = compile_plan(image).target.steps
    assert [type(s) for s in steps] == [AddArchiveOp, CopyOp, AddArchiveOp]


def test_a_url_with_its_checksum_is_added_with_owner_and_mode(tmp_path: Path) -> None:
    url = "https://example.com/dl/tool?v=1"
    image, source, notes = _convert(
        tmp_path,
        "FROM debian:bookworm-slim\n"
        "WORKDIR /srv\n"
        f"ADD --checksum=sha256:{SHA} {url} bin/\n"
        f"ADD --chown=1000:1000 --chmod=755 --checksum=sha256:{SHA} {url} /usr/local/bin/t\n",
    )
    assert "from framework import Image, Url, build, run_script" in source
    assert f'"{url}",\n                sha256="{SHA}",' in source
    first, second = compile_plan(image).target.steps[1:]
    assert isinstance(first, AddUrlOp)
    assert isinstance(second, AddUrlOp)
    assert first.source == Url(url, sha256=SHA)
    assert (first.dest, first.owner, first.mode) == ("/srv/bin/tool", "0:0", 0o600)
    assert (second.dest, second.owner, second.mode) == ("/usr/local/bin/t", "1000:1000", 0o755)
    assert any(":4: ADD --chmod of a URL: Docker 20.10 ignores it" in note for note in notes)


def test_an_add_of_a_source_named_by_a_build_argument_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vendor.tar.bz2").write_bytes(_archive())
    (tmp_path / "Dockerfile").write_text(
        "FROM debian:bookworm-slim\nARG SRC=vendor.tar.bz2\nADD $SRC /opt/\n"
    )
    (problem,) = convert_dockerfile(tmp_path / "Dockerfile").problems
    assert problem.line == 3
    assert "depends on a build argument" in problem.problem
