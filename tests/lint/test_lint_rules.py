"""Each lint rule: one image that breaks it, one that does not (no daemon asked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framework import CacheMount, Context, Image, Inline, compile
from framework.lint import RULES, lint
from framework.lint.daemon import DaemonFacts
from framework.lint.rules import check_plan

SLIM = "debian:bookworm-slim"


def rules(image: Image) -> list[str]:
    """The ids of the findings in force, without asking a daemon."""
    return [f.rule for f in lint(image, engine=False).findings]


def nonroot(image: Image) -> Image:
    return image.user("1000:1000")


def app_dir(tmp_path: Path, *names: str, ignore: str | None = None) -> Context:
    for name in names:
        (tmp_path / name).write_text("x\n")
    if ignore is not None:
        (tmp_path / ".dockerignore").write_text(ignore)
    return Context(tmp_path)


def test_every_rule_has_an_id_name_and_fix() -> None:
    assert list(RULES) == [f"FW1{n:02d}" for n in range(1, 14)]
    assert all(r.name and r.title and r.fix for r in RULES.values())


def test_fw101_update_and_install_in_separate_steps() -> None:
    split = Image.from_(SLIM).run("apt-get update").run("apt-get install -y curl")
    assert "FW101" in rules(nonroot(split))
    joined = Image.from_(SLIM).run(
        "apt-get update && apt-get install -y --no-install-recommends curl"
        " && rm -rf /var/lib/apt/lists/*"
    )
    assert rules(nonroot(joined)) == []


def test_fw101_sees_an_update_in_the_stage_built_from() -> None:
    base = Image.from_(SLIM).run("apt-get update && rm -rf /var/lib/apt/lists/*")
    child = Image.from_(base).run("apt-get install -y --no-install-recommends curl")
    assert "FW101" in rules(nonroot(child))


def test_fw102_lists_left_unless_removed_or_cached() -> None:
    kept = Image.from_(SLIM).run("apt-get update && apt-get install -y --no-install-recommends x")
    assert rules(nonroot(kept)) == ["FW102"]
    cached = Image.from_(SLIM).run(
        "apt-get update && apt-get install -y --no-install-recommends x",
        cache=["/var/lib/apt/lists", "/var/cache/apt"],
    )
    assert rules(nonroot(cached)) == []


def test_fw103_install_without_no_install_recommends() -> None:
    image = Image.from_(SLIM).run(
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get -y install curl"
        " && rm -rf /var/lib/apt/lists/*"
    )
    assert rules(nonroot(image)) == ["FW103"]
    option = Image.from_(SLIM).run(
        "apt-get update && apt-get install -y -o APT::Install-Recommends=false curl"
        " && rm -rf /var/lib/apt/lists/*"
    )
    assert rules(nonroot(option)) == []


@pytest.mark.parametrize("base", ["debian", "debian:latest", "registry:5000/team/app:latest"])
def test_fw104_unpinned_base(base: str) -> None:
    assert rules(nonroot(Image.from_(base))) == ["FW104"]


@pytest.mark.parametrize("base", [SLIM, "registry:5000/team/app", "debian@sha256:" + "a" * 64])
def test_fw104_pinned_base(base: str) -> None:
    expected = ["FW104"] if base == "registry:5000/team/app" else []
    assert rules(nonroot(Image.from_(base))) == expected


class _Store(DaemonFacts):
    """The facts a daemon would give, for the rule's logic (tests/e2e/test_lint_cli.py
    asks a real daemon)."""

    def __init__(self, images: set[str] | None) -> None:
        super().__init__()
        self._images = images

    @property
    def local_images(self) -> frozenset[str] | None:
        return None if self._images is None else frozenset(self._images)

    # The base's functools.cache wrapper is not a plain method to the type checker.
    def image_user(self, reference: str) -> str | None:  # type: ignore[override]
        return None


def test_fw105_full_base_with_a_slim_variant_present() -> None:
    plan = compile(nonroot(Image.from_("python:3.11")))
    found = [f.rule for f in check_plan(plan, _Store({"python:3.11", "python:3.11-slim"}))]
    assert found == ["FW105"]
    assert [f.rule for f in check_plan(plan, _Store({"python:3.11"}))] == []
    assert [f.rule for f in check_plan(plan, _Store(None))] == []  # no daemon: skipped


def test_fw105_is_skipped_without_a_daemon_and_says_so() -> None:
    report = lint(nonroot(Image.from_("python:3.11")), engine=False)
    assert report.findings == ()
    assert report.skipped == ("FW105",)


def test_fw106_install_after_the_whole_source(tmp_path: Path) -> None:
    src = app_dir(tmp_path, "requirements.txt", "app.py", ignore="*.pyc\n")
    late = (
        Image.from_("python:3.11-slim")
        .workdir("/app")
        .copy(src, ".")
        .run("pip install --no-cache-dir -r requirements.txt")
    )
    assert rules(nonroot(late)) == ["FW106"]
    early = (
        Image.from_("python:3.11-slim")
        .workdir("/app")
        .copy(src / "requirements.txt", ".")
        .run("pip install --no-cache-dir -r requirements.txt")
        .copy(src, ".")
    )
    assert rules(nonroot(early)) == []


def test_fw106_manifest_copied_after_a_source_file(tmp_path: Path) -> None:
    src = app_dir(tmp_path, "package.json", "index.js")
    image = (
        Image.from_("node:20-slim")
        .workdir("/app")
        .copy(src / "index.js", ".")
        .copy(src / "package.json", ".")
        .run("npm ci")
    )
    assert rules(nonroot(image)) == ["FW106"]


def test_fw107_whole_context_without_excludes(tmp_path: Path) -> None:
    bare = app_dir(tmp_path, "main.go")
    assert rules(nonroot(Image.from_(SLIM).copy(bare, "/src"))) == ["FW107"]
    filtered = Context(bare.path, exclude=["*.md"])
    assert rules(nonroot(Image.from_(SLIM).copy(filtered, "/src"))) == []
    (bare.path / ".dockerignore").write_text("")  # present, even empty: a choice was made
    assert rules(nonroot(Image.from_(SLIM).copy(Context(bare.path), "/src"))) == []


def test_fw108_root_user() -> None:
    assert rules(Image.from_(SLIM)) == ["FW108"]
    assert rules(Image.from_(SLIM).user("app").user("root")) == ["FW108"]
    assert rules(Image.from_(SLIM).user("0:0").user("app")) == []
    built_from = Image.from_(Image.from_(SLIM).user("1000"))  # the user set in a FROM stage
    assert rules(built_from) == []


def test_fw108_only_the_final_image_counts() -> None:
    builder = Image.from_(SLIM).run(["touch", "/out"])
    final = Image.from_(SLIM).copy(builder / "/out", "/out").user("1000")
    assert rules(final) == []


def test_fw109_secrets_by_name_or_shape_never_by_value() -> None:
    value = "sk-live-4f9a8b7c6d5e"
    image = (
        Image.from_(SLIM)
        .env(API_TOKEN=value, LOG_LEVEL="info")
        .label({"org.example.password": "hunter2-hunter2"})
        .env(AWS="AKIAABCDEFGHIJKLMNOP")
        .run("true", env={"DB_PASSWORD": value})
    )
    report = lint(nonroot(image), engine=False)
    assert [f.rule for f in report.findings] == ["FW109"] * 4
    text = " ".join(f.message + (f.step or "") for f in report.findings)
    assert "API_TOKEN" in text
    assert "DB_PASSWORD" in text
    assert "AWS" in text
    printed = json.dumps([f.as_json() for f in report.findings]) + repr(report.findings)
    assert value not in printed
    assert "hunter2" not in printed
    assert "AKIAABCDEFGHIJKLMNOP" not in printed
    plain = Image.from_(SLIM).env(LOG_LEVEL="info", PUBLIC_URL="https://x").label(a="b")
    assert rules(nonroot(plain)) == []


def test_fw109_private_key_text() -> None:
    image = Image.from_(SLIM).env(CERT="-----BEGIN RSA PRIVATE KEY-----\nMIIE\n")
    assert rules(nonroot(image)) == ["FW109"]


def test_fw110_build_tools_in_the_final_image() -> None:
    tools = Image.from_(SLIM).run(
        "apt-get update && apt-get install -y --no-install-recommends gcc make libpq5"
        " && rm -rf /var/lib/apt/lists/*"
    )
    found = lint(nonroot(tools), engine=False).findings
    assert [f.rule for f in found] == ["FW110"]
    assert "gcc, make" in found[0].message
    assert rules(nonroot(Image.from_("golang:1.19"))) == ["FW110"]
    purged = Image.from_(SLIM).run(
        "apt-get update && apt-get install -y --no-install-recommends gcc && make"
        " && apt-get purge -y gcc && rm -rf /var/lib/apt/lists/*"
    )
    assert rules(nonroot(purged)) == []
    builder = Image.from_("golang:1.19").run(["go", "version"])
    multistage = Image.scratch().copy(builder / "/usr/local/go/VERSION", "/v").user("1")
    assert rules(multistage) == []


def test_fw111_pip_cache() -> None:
    assert rules(nonroot(Image.from_("python:3.11-slim").run("pip install flask"))) == ["FW111"]
    assert rules(nonroot(Image.from_("python:3.11-slim").run("python -m pip install x"))) == [
        "FW111"
    ]
    for ok in (
        Image.from_("python:3.11-slim").run("pip install --no-cache-dir flask"),
        Image.from_("python:3.11-slim").run("pip install flask", cache="/root/.cache/pip"),
        Image.from_("python:3.11-slim").run(
            "pip install flask", cache=CacheMount(target="/home/app/.cache/pip", id="pip")
        ),
        Image.from_("python:3.11-slim").env(PIP_NO_CACHE_DIR="1").run("pip install flask"),
    ):
        assert rules(nonroot(ok)) == []


def test_fw112_added_then_deleted() -> None:
    image = (
        Image.from_(SLIM)
        .workdir("/work")
        .copy(Inline("big"), "/work/big.tar")
        .run("curl -o /tmp/x.deb https://example.invalid/x.deb")
        .run("rm -rf big.tar /tmp/*.deb")
    )
    found = lint(nonroot(image), engine=False).findings
    assert [f.rule for f in found] == ["FW112"]
    assert "/work/big.tar" in found[0].message
    one_step = Image.from_(SLIM).run("curl -o /tmp/x.deb u && dpkg -i /tmp/x.deb && rm /tmp/x.deb")
    assert rules(nonroot(one_step)) == []


def test_fw112_redirect_then_delete() -> None:
    image = Image.from_(SLIM).run("head -c 1048576 /dev/urandom > /big.bin").run(["rm", "/big.bin"])
    assert rules(nonroot(image)) == ["FW112"]


def test_build_stage_waste_is_not_reported_for_shipped_only_rules() -> None:
    builder = Image.from_(SLIM).run(
        "apt-get update && apt-get install -y --no-install-recommends x"
    )
    final = Image.from_(SLIM).copy(builder / "/usr/bin/x", "/x").user("1")
    assert rules(final) == []  # FW102 looks only at what ships
    assert rules(Image.from_(builder).user("1")) == ["FW102"]


def test_unknown_rule_in_ignore_is_refused() -> None:
    from framework.errors import SpecError

    with pytest.raises(SpecError, match="FW999"):
        lint(Image.from_(SLIM), ignore={"FW999"}, engine=False)
    assert rules(Image.from_(SLIM)) == ["FW108"]
    assert lint(Image.from_(SLIM), ignore={"FW108"}, engine=False).findings == ()
