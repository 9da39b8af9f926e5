"""``Image.add`` and ``Url``: what is accepted, and what is refused when the image is declared."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import sys
import tarfile
from pathlib import Path

import pytest

from framework import Context, Image, Inline, SpecError, Url
from framework.spec import Add
from framework.spec.archives import archive_compression

SHA = "ab" * 32


def _tar(name: str = "a.txt") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    return out.getvalue()


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    data = _tar()
    (tmp_path / "plain.tar").write_bytes(data)
    (tmp_path / "v.tar.gz").write_bytes(gzip.compress(data))
    (tmp_path / "v.tar.bz2").write_bytes(bz2.compress(data))
    (tmp_path / "v.tar.xz").write_bytes(lzma.compress(data))
    (tmp_path / "misnamed.bin").write_bytes(gzip.compress(data))
    (tmp_path / "text.tar.gz").write_bytes(gzip.compress(b"not a tar archive\n"))
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "empty.tar").write_bytes(b"\0" * 1024)
    (tmp_path / "v.tar.zst").write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 16)
    (tmp_path / "dir").mkdir()
    return Context(tmp_path)


@pytest.mark.parametrize(
    ("name", "compression"),
    [
        ("plain.tar", "none"),
        ("v.tar.gz", "gzip"),
        ("v.tar.bz2", "bzip2"),
        ("v.tar.xz", "xz"),
        ("misnamed.bin", "gzip"),
    ],
)
def test_an_archive_is_recognised_by_its_content(ctx: Context, name: str, compression: str) -> None:
    assert archive_compression(ctx.path / name) == compression
    step = Image.from_("debian").add(ctx / name, "/opt/").steps[-1]
    assert isinstance(step, Add)
    assert step.source == ctx / name


@pytest.mark.parametrize("name", ["text.tar.gz", "notes.txt", "empty.tar"])
def test_a_file_docker_would_copy_rather_than_unpack_is_refused(ctx: Context, name: str) -> None:
    line = sys._getframe().f_lineno + 2
    with pytest.raises(SpecError) as caught:
        Image.from_("debian").add(ctx / name, "/opt/")
    assert "is not a tar archive" in caught.value.problem
    assert f".copy(context / '{name}'" in caught.value.fix
    assert caught.value.where == f"tests/spec/test_add.py:{line}"


def test_a_zstd_archive_is_refused_since_docker_versions_disagree(ctx: Context) -> None:
    with pytest.raises(SpecError, match="zstd") as caught:
        Image.from_("debian").add(ctx / "v.tar.zst", "/opt/")
    assert "gzip" in caught.value.fix


def test_a_directory_and_other_sources_are_refused_with_the_verb_to_use(ctx: Context) -> None:
    with pytest.raises(SpecError, match="is a directory") as caught:
        Image.from_("debian").add(ctx / "dir", "/opt/")
    assert ".copy(" in caught.value.fix
    with pytest.raises(SpecError, match="add source is a Inline") as caught:
        Image.from_("debian").add(Inline("x"), "/opt/x")  # type: ignore[arg-type]
    assert ".copy(" in caught.value.fix
    with pytest.raises(SpecError, match="copy source is a Url") as caught:
        Image.from_("debian").copy(Url("https://e.com/x", sha256=SHA), "/x")  # type: ignore[arg-type]
    assert ".add(Url(" in caught.value.fix


def test_an_archive_takes_no_owner_or_mode(ctx: Context) -> None:
    for options in ({"owner": "1000"}, {"mode": 0o755}):
        with pytest.raises(SpecError, match="takes no owner or mode"):
            Image.from_("debian").add(ctx / "v.tar.gz", "/opt/", **options)


def test_a_relative_destination_needs_a_workdir(ctx: Context) -> None:
    with pytest.raises(SpecError, match="no workdir"):
        Image.from_("debian").add(ctx / "v.tar.gz", "vendor")
    assert Image.from_("debian").workdir("/opt").add(ctx / "v.tar.gz", "vendor")


def test_a_url_needs_its_checksum_and_the_error_says_how_to_get_it() -> None:
    with pytest.raises(SpecError) as caught:
        Url("https://example.com/tool.tgz")
    assert "has no sha256" in caught.value.problem
    assert "sha256sum" in caught.value.fix
    assert "sha256=" in caught.value.fix
    assert str(caught.value.where).startswith("tests/spec/test_add.py:")


def test_a_checksum_is_64_hex_digits_with_an_optional_prefix() -> None:
    assert Url("https://e.com/x", sha256="sha256:" + SHA.upper()).sha256 == SHA
    for bad in ("abc", "g" * 64, SHA + "0", "md5:" + SHA):
        with pytest.raises(SpecError, match="is not 64 hex digits"):
            Url("https://e.com/x", sha256=bad)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://e.com/x", "not an http:// or https:// URL"),
        ("file:///etc/passwd", "not an http:// or https:// URL"),
        ("https:///x", "not an http:// or https:// URL"),
        ("https://e.com/a b", "white space"),
        ("https://user:pw@e.com/x", "user name or password"),
    ],
)
def test_a_url_is_checked(url: str, problem: str) -> None:
    with pytest.raises(SpecError, match=problem) as caught:
        Url(url, sha256=SHA)
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://e.com/dl/tool-1.2.tar.gz", "tool-1.2.tar.gz"),
        ("https://e.com/dl/tool?version=2", "tool"),
        ("https://e.com/dl/my%20tool", "my tool"),
        ("https://e.com/dl/dir/", "dir"),
        ("https://e.com/", "__unnamed__"),
        ("https://e.com", "__unnamed__"),
    ],
)
def test_the_file_name_is_what_docker_add_names_it(url: str, name: str) -> None:
    assert Url(url, sha256=SHA).file_name == name


def test_add_of_a_url_checks_owner_and_mode() -> None:
    url = Url("https://e.com/x", sha256=SHA)
    with pytest.raises(SpecError, match="not a user"):
        Image.from_("debian").add(url, "/x", owner="a b")
    with pytest.raises(SpecError, match="out of range"):
        Image.from_("debian").add(url, "/x", mode=0o10000)


def test_urls_compare_by_url_and_checksum_not_origin() -> None:
    assert Url("https://e.com/x", sha256=SHA) == Url("https://e.com/x", sha256="sha256:" + SHA)
    assert Url("https://e.com/x", sha256=SHA) != Url("https://e.com/y", sha256=SHA)
