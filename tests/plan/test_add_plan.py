"""Add steps through the plan: lowering, digests, the rendered Dockerfile, the Dagger
calls (recorded offline) and the size mapping."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import anyio
import pytest
from dagger import dag

from framework import Context, Image, SpecError, Url, compile, render
from framework.engines.dagger import DaggerMapping, Unsupported
from framework.engines.staging import stage_context
from framework.plan import AddArchiveOp, AddUrlOp, describe_step
from framework.size.mapping import lineage_steps
from tests.engines.test_dagger_mapping import calls, staged_path

SHA = "ab" * 32
OTHER = "cd" * 32


def _archive(content: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo("pkg/file")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return gzip.compress(out.getvalue(), mtime=0)


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    (tmp_path / "vendor.tar.gz").write_bytes(_archive(b"one"))
    return Context(tmp_path)


def test_an_archive_is_unpacked_into_its_destination_resolved_against_the_workdir(
    ctx: Context,
) -> None:
    plan = compile(Image.from_("debian").workdir("/opt").add(ctx / "vendor.tar.gz", "vendor"))
    step = plan.target.steps[-1]
    assert isinstance(step, AddArchiveOp)
    assert (step.dest, step.written) == ("/opt/vendor", "vendor")
    assert describe_step(plan, step) == f"ADD {ctx.path.name}/vendor.tar.gz -> vendor"
    dockerfile = render(plan).dockerfile
    assert dockerfile.splitlines()[-1].startswith('ADD ["c-')
    assert dockerfile.splitlines()[-1].endswith('", "vendor"]')


@pytest.mark.parametrize(
    ("dest", "path", "written"),
    [
        ("/opt/tool", "/opt/tool", "/opt/tool"),
        ("/opt/bin/", "/opt/bin/tool.sh", "/opt/bin/tool.sh"),
        ("bin/", "/srv/bin/tool.sh", "bin/tool.sh"),
        (".", "/srv/tool.sh", "./tool.sh"),
    ],
)
def test_a_url_lands_at_its_destination_or_inside_a_directory(
    dest: str, path: str, written: str
) -> None:
    url = Url("http://127.0.0.1:1/dl/tool.sh?v=2", sha256=SHA)
    plan = compile(Image.from_("debian").workdir("/srv").add(url, dest))
    step = plan.target.steps[-1]
    assert isinstance(step, AddUrlOp)
    assert (step.dest, step.written, step.owner, step.mode) == (path, written, "0:0", 0o600)


def test_a_url_renders_as_a_copy_of_the_verified_file_with_adds_mode_and_owner() -> None:
    url = Url("http://127.0.0.1:1/tool", sha256=SHA)
    image = Image.from_("debian").add(url, "/usr/local/bin/", mode=0o755, owner="app")
    rendered = render(compile(image))
    name = rendered.context[0].name
    assert rendered.context[0].source == url
    assert rendered.dockerfile.splitlines()[-1] == (
        f'COPY --chown=app --chmod=0755 ["{name}", "/usr/local/bin/tool"]'
    )
    root = render(compile(Image.from_("debian").add(url, "/t"))).dockerfile.splitlines()[-1]
    assert root == f'COPY --chmod=0600 ["{name}", "/t"]'
    assert "127.0.0.1" not in rendered.dockerfile


def test_the_digest_covers_the_checksum_not_where_the_file_is_fetched_from() -> None:
    def digest(url: str, sha256: str) -> str:
        return compile(Image.from_("debian").add(Url(url, sha256=sha256), "/t")).digest

    assert digest("http://a.example/t", SHA) == digest("https://mirror.example/x/t", SHA)
    assert digest("http://a.example/t", SHA) != digest("http://a.example/t", OTHER)


def test_the_digest_covers_the_archive_bytes(ctx: Context) -> None:
    image = Image.from_("debian").add(ctx / "vendor.tar.gz", "/opt/")
    before = compile(image).digest
    (ctx.path / "vendor.tar.gz").write_bytes(_archive(b"two"))
    assert compile(image).digest != before


def _mapped(image: Image) -> list[tuple[str, dict[str, object]]]:
    async def is_directory(_container: object, _path: str) -> bool:
        return False

    mapping = DaggerMapping(dag, staged=staged_path, is_directory=is_directory)
    plan = compile(image)
    return calls(anyio.run(mapping.containers, plan)[plan.target.id])


def test_dagger_writes_a_url_file_with_the_plans_owner_and_mode() -> None:
    url = Url("http://127.0.0.1:1/tool", sha256=SHA)
    assert _mapped(Image.from_("debian").add(url, "/opt/", owner="1000"))[-1] == (
        "withFile",
        {
            "path": "/opt/tool",
            "source": [("host", {}), ("file", {"path": f"/staged/{SHA[:8]}"})],
            "owner": "1000",
            "permissions": 0o600,
        },
    )


def test_dagger_refuses_an_archive_rather_than_unpacking_it_differently(ctx: Context) -> None:
    with pytest.raises(Unsupported, match="add of an archive"):
        _mapped(Image.from_("debian").add(ctx / "vendor.tar.gz", "/opt/"))


def test_the_size_report_knows_which_instruction_each_add_renders_as(ctx: Context) -> None:
    url = Url("http://127.0.0.1:1/tool", sha256=SHA)
    plan = compile(Image.from_("debian").add(ctx / "vendor.tar.gz", "/opt/").add(url, "/t"))
    assert [words for _, _, words in lineage_steps(plan, plan.target)] == [("ADD",), ("COPY",)]


def test_an_archive_replaced_by_another_file_after_declaration_is_refused_when_staged(
    ctx: Context, tmp_path: Path
) -> None:
    image = Image.from_("debian").add(ctx / "vendor.tar.gz", "/opt/")
    (ctx.path / "vendor.tar.gz").write_text("now a text file\n")
    rendered = render(compile(image))
    assert [entry.unpacked for entry in rendered.context] == [True]
    with pytest.raises(SpecError, match="no longer a tar archive") as caught:
        stage_context(rendered.context, tmp_path / "staged")
    assert str(caught.value.where).startswith("tests/plan/test_add_plan.py:")
    assert not (tmp_path / "staged").exists()
