"""``compile()``: stages in topological order, content digests, shared stages, names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from framework import CacheMount, Context, Image, Inline, Secret, SpecError, compile
from framework.plan import BuildPlan, CopyOp, RunOp, Stage, StageCopyOp, WorkdirOp
from framework.spec import Copy

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    root = tmp_path / "app"
    root.mkdir()
    (root / "main.go").write_text("package main\n")
    (root / "app.py").write_text("print(1)\n")
    return Context(root)


def builder_image() -> Image:
    return Image.from_("golang:1.22").workdir("/src").run(["go", "build", "-o", "/out/app"])


def check_topological(plan: BuildPlan) -> None:
    seen: set[str] = set()
    for stage in plan.stages:
        for needed in stage.depends_on:
            assert needed in seen, f"{stage.name} comes before {needed}"
        seen.add(stage.id)


# -- order and sharing ----------------------------------------------------------------


def test_single_stage_plan() -> None:
    image = Image.from_("alpine:3.19").run("true")
    plan = compile(image)
    (stage,) = plan.stages
    assert plan.target is stage
    assert plan.digest == plan.stage_digest(stage.id) == plan.step_digests[stage.id][-1]
    assert DIGEST.fullmatch(stage.id)
    assert stage.short == stage.id[7:19]
    assert stage.base == "alpine:3.19"
    assert stage.base_stage is None
    assert stage.depends_on == ()
    assert stage.name == "stage-0"
    assert len(stage.steps) == 1


def test_dependencies_come_before_dependents_and_the_target_is_last() -> None:
    root = Image.from_("debian:bookworm").run("apt-get update")
    left = Image.from_(root).run("make left")
    right = Image.from_(root).run("make right")
    tools = Image.from_("alpine").run("make tools")
    top = (
        Image.from_(left)
        .copy(right / "/out/r", "/r")
        .copy(tools / "/bin/tool", "/usr/bin/tool")
        .run("final")
    )
    plan = compile(top)
    check_topological(plan)
    assert len(plan.stages) == 5
    target = plan.target
    assert isinstance(target.steps[-1], RunOp)
    assert target.steps[-1].command == "final"
    assert target.base_stage == compile(left).target.id
    # first use decides the order: left's base (root), left, right, tools, target
    scripts = [s.steps[-1].command for s in plan.stages[:-1]]  # type: ignore[union-attr]
    assert scripts == ["apt-get update", "make left", "make right", "make tools"]


def test_stage_used_twice_by_one_image_appears_once() -> None:
    builder = builder_image()
    target = Image.from_("debian").copy(builder / "/out/app", "/app").copy(builder / "/src", "/s")
    plan = compile(target)
    assert len(plan.stages) == 2
    copies = [s for s in plan.target.steps if isinstance(s, StageCopyOp)]
    assert [c.stage for c in copies] == [plan.stages[0].id] * 2
    assert plan.target.depends_on == (plan.stages[0].id,)


def test_stage_used_by_two_stages_appears_once() -> None:
    builder = builder_image()
    one = Image.from_("alpine").copy(builder / "/out/app", "/one")
    two = Image.from_("busybox").copy(builder / "/out/app", "/two")
    three = Image.from_(builder).run("strip /out/app")
    target = Image.from_("debian").copy(one / "/one", "/1").copy(two / "/two", "/2")
    target = target.copy(three / "/out/app", "/3")
    plan = compile(target)
    check_topological(plan)
    assert len(plan.stages) == 5
    builder_digest = compile(builder).target.id
    assert [s.id for s in plan.stages].count(builder_digest) == 1
    assert plan.stages[0].id == builder_digest


def test_equal_descriptions_built_separately_share_one_stage() -> None:
    first = builder_image()
    second = builder_image()
    assert first is not second
    target = Image.from_("debian").copy(first / "/out/app", "/a").copy(second / "/out/app", "/b")
    plan = compile(target)
    assert len(plan.stages) == 2
    a, b = (s for s in plan.target.steps if isinstance(s, StageCopyOp))
    assert a.stage == b.stage == plan.stages[0].id


def test_equal_descriptions_declared_on_different_lines_share_one_stage() -> None:
    first = Image.from_("alpine").run("make")
    second = Image.from_("alpine").run("make")
    assert first.steps[0].origin != second.steps[0].origin
    target = Image.from_("debian").copy(first / "/x", "/a").copy(second / "/x", "/b")
    assert len(compile(target).stages) == 2


def test_equal_bases_are_one_stage() -> None:
    target = Image.from_(Image.from_("alpine").run("a")).copy(
        Image.from_("alpine").run("a") / "/x", "/x"
    )
    plan = compile(target)
    assert len(plan.stages) == 2
    assert plan.target.depends_on == (plan.stages[0].id,)


def test_unreferenced_images_are_not_stages() -> None:
    unused = builder_image().named("unused")
    target = Image.from_("debian").run("true")
    plan = compile(target)
    assert len(plan.stages) == 1
    assert "unused" not in [s.name for s in plan.stages]
    assert unused.name == "unused"


def test_image_base_becomes_base_stage() -> None:
    parent = Image.from_("python:3.11-slim").workdir("/app")
    child = Image.from_(parent).run("pip install flask")
    plan = compile(child)
    assert [s.id for s in plan.stages] == [compile(parent).target.id, plan.target.id]
    assert plan.target.base is None
    assert plan.target.base_stage == plan.stages[0].id
    assert plan.target.depends_on == (plan.stages[0].id,)


def test_scratch_stage_has_no_base() -> None:
    plan = compile(Image.scratch().copy(Inline("x"), "/x"))
    assert plan.target.base is None
    assert plan.target.base_stage is None


def test_compile_does_not_change_the_image() -> None:
    builder = builder_image()
    target = Image.from_("debian").copy(builder / "/out/app", "/app")
    before = repr(target)
    compile(target)
    assert repr(target) == before
    assert isinstance(target.steps[0], Copy)


def test_stage_copy_keeps_the_copy_options() -> None:
    builder = builder_image()
    line_image = Image.from_("debian").copy(
        builder / "/out/app", "/usr/local/bin/", owner="app:app", mode=0o750
    )
    plan = compile(line_image)
    (copy,) = plan.target.steps
    assert isinstance(copy, StageCopyOp)
    assert copy.stage == plan.stages[0].id
    assert copy.path == "/out/app"
    assert copy.dest == "/usr/local/bin/"
    assert copy.file_dest == "/usr/local/bin/app"
    assert copy.written == "/usr/local/bin/"
    assert copy.owner == "app:app"
    assert copy.mode == 0o750
    assert copy.origin is not None
    assert copy.origin.file.endswith("test_compile.py")


def test_steps_are_lowered_to_what_they_mean(ctx: Context) -> None:
    image = (
        Image.from_("alpine")
        .workdir("/app")
        .user("app")
        .workdir("sub")
        .copy(ctx / "app.py", ".")
        .run(["python", "app.py"], env={"A": "1"})
    )
    workdir, _, sub, copy, run = compile(image).target.steps
    assert isinstance(workdir, WorkdirOp)
    assert isinstance(sub, WorkdirOp)
    assert (workdir.path, workdir.owner) == ("/app", "0:0")
    assert (sub.path, sub.written, sub.owner) == ("/app/sub", "sub", "app")
    assert isinstance(copy, CopyOp)
    assert (copy.dest, copy.written, copy.declared) == ("/app/sub/app.py", "./app.py", ".")
    assert (copy.owner, copy.is_dir) == ("0:0", False)
    assert isinstance(run, RunOp)
    assert run.argv == ("/bin/sh", "-c", 'export A=1\nexec "$@"', "sh", "python", "app.py")
    assert run.command == "python app.py"


def test_lookup_by_digest() -> None:
    builder = builder_image()
    plan = compile(Image.from_(builder).run("x"))
    assert plan.stage(plan.stages[0].id) is plan.stages[0]
    with pytest.raises(KeyError):
        plan.stage("sha256:" + "0" * 64)


# -- digests --------------------------------------------------------------------------


def test_digests_are_stable_across_compiles() -> None:
    def pipeline() -> Image:
        builder = builder_image().named("builder")
        return Image.from_("debian").copy(builder / "/out/app", "/app").cmd(["/app"])

    image = pipeline()
    first = [s.id for s in compile(image).stages]
    second = [s.id for s in compile(image).stages]
    third = [s.id for s in compile(pipeline()).stages]
    assert first == second == third
    assert len(set(first)) == 2


def test_digest_has_a_known_value_for_a_fixed_description() -> None:
    # Pins the canonical form: any change to it changes every digest (and every cache key).
    digest = compile(Image.from_("alpine:3.19").run(["echo", "hi"])).digest
    assert digest == "sha256:6a087e76eb8ba481e2d7c853b670d58bbeb7a96fa1dee2ab0c5726f568d0d472"


def test_digest_does_not_depend_on_where_things_were_declared() -> None:
    one = Image.from_("alpine").env(A="1").run("make")
    two = Image.from_("alpine").env(A="1").run("make")
    assert one.origin != two.origin
    assert compile(one).digest == compile(two).digest


def test_digest_does_not_depend_on_names() -> None:
    plain = builder_image()
    named = builder_image().named("builder")
    assert compile(plain).digest == compile(named).digest
    target_plain = Image.from_("debian").copy(plain / "/out/app", "/app")
    target_named = Image.from_("debian").copy(named / "/out/app", "/app").named("final")
    assert compile(target_plain).digest == compile(target_named).digest
    assert compile(target_named).stages[0].name == "builder"


def test_digest_depends_on_the_stages_it_uses() -> None:
    a = Image.from_("golang:1.22").run("go build")
    b = Image.from_("golang:1.22").run("go build -trimpath")
    assert (
        compile(Image.from_("debian").copy(a / "/x", "/x")).digest
        != compile(Image.from_("debian").copy(b / "/x", "/x")).digest
    )
    assert compile(Image.from_(a).run("t")).digest != compile(Image.from_(b).run("t")).digest


def _variants(ctx: Context) -> dict[str, Image]:
    base = Image.from_("python:3.11-slim").workdir("/app")
    builder = Image.from_("golang:1.22").run("go build")
    other_builder = Image.from_("golang:1.22").run("go vet")
    token = Secret.env("TOKEN")
    return {
        "base only": base,
        "other base ref": Image.from_("python:3.12-slim").workdir("/app"),
        "scratch": Image.scratch().workdir("/app"),
        "other workdir": Image.from_("python:3.11-slim").workdir("/srv"),
        "run script": base.run("echo hi"),
        "run argv": base.run(["echo", "hi"]),
        "run argv split": base.run(["echo hi"]),
        "run other script": base.run("echo hello"),
        "run env": base.run("echo hi", env={"A": "1"}),
        "run env value": base.run("echo hi", env={"A": "2"}),
        "run cache": base.run("echo hi", cache="/c"),
        "run cache other target": base.run("echo hi", cache="/d"),
        "run cache id": base.run("echo hi", cache=CacheMount(target="/c", id="c")),
        "run cache sharing": base.run("echo hi", cache=CacheMount(target="/c", sharing="private")),
        "run secret env": base.run("echo hi", secrets=[token.as_env("TOKEN")]),
        "run secret other var": base.run("echo hi", secrets=[token.as_env("T2")]),
        "run secret file": base.run("echo hi", secrets=[token.as_file("/token")]),
        "run secret other id": base.run("echo hi", secrets=[Secret.env("OTHER").as_env("TOKEN")]),
        "run no network": base.run("echo hi", network=False),
        "copy file": base.copy(ctx / "app.py", "."),
        "copy file other dest": base.copy(ctx / "app.py", "/opt/"),
        "copy other file": base.copy(ctx / "main.go", "."),
        "copy whole context": base.copy(ctx, "."),
        "copy filtered context": base.copy(Context(ctx.path, exclude=["*.go"]), "."),
        "copy included context": base.copy(Context(ctx.path, include=["*.go"]), "."),
        "copy owner": base.copy(ctx / "app.py", ".", owner="app"),
        "copy mode": base.copy(ctx / "app.py", ".", mode=0o644),
        "copy mode other": base.copy(ctx / "app.py", ".", mode=0o600),
        "copy inline": base.copy(Inline("a"), "/f"),
        "copy inline other": base.copy(Inline("b"), "/f"),
        "copy from stage": base.copy(builder / "/out", "/out"),
        "copy from stage other path": base.copy(builder / "/bin", "/out"),
        "copy from other stage": base.copy(other_builder / "/out", "/out"),
        "copy from stage with mode": base.copy(builder / "/out", "/out", mode=0o755),
        "env": base.env(A="1"),
        "env other value": base.env(A="2"),
        "env other name": base.env(B="1"),
        "env two": base.env(A="1", B="1"),
        "env two reversed": base.env(B="1", A="1"),
        "workdir again": base.workdir("src"),
        "user": base.user("app"),
        "user other": base.user("1000"),
        "label": base.label(a="1"),
        "label other": base.label(a="2"),
        "expose": base.expose(80),
        "expose other port": base.expose(81),
        "expose udp": base.expose(80, "udp"),
        "entrypoint": base.entrypoint(["app"]),
        "cmd": base.cmd(["app"]),
        "cmd string": base.cmd("app"),
        "healthcheck": base.healthcheck(["check"]),
        "healthcheck interval": base.healthcheck(["check"], interval=5),
        "healthcheck timeout": base.healthcheck(["check"], timeout=5),
        "healthcheck start": base.healthcheck(["check"], start_period=5),
        "healthcheck retries": base.healthcheck(["check"], retries=5),
        "healthcheck none": base.healthcheck(None),
        "two steps": base.env(A="1").user("app"),
        "two steps swapped": base.user("app").env(A="1"),
    }


def test_digest_changes_when_any_step_changes(ctx: Context) -> None:
    variants = _variants(ctx)
    digests = {name: compile(image).digest for name, image in variants.items()}
    by_digest: dict[str, list[str]] = {}
    for name, digest in digests.items():
        by_digest.setdefault(digest, []).append(name)
    same = [names for names in by_digest.values() if len(names) > 1]
    assert same == [], f"different descriptions share a digest: {same}"


def test_secret_sources_are_not_part_of_the_digest(tmp_path: Path) -> None:
    from_env = Secret.env("NPM_TOKEN", id="npm")
    from_other_env = Secret.env("CI_NPM_TOKEN", id="npm")
    from_file = Secret.file(tmp_path / "npmrc", id="npm")
    digests = {
        compile(Image.from_("node:20").run("npm ci", secrets=[secret.as_env("NPM_TOKEN")])).digest
        for secret in (from_env, from_other_env, from_file)
    }
    assert len(digests) == 1


def test_secret_values_are_not_part_of_the_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    image = Image.from_("alpine").run("make", secrets=[Secret.env("TOKEN").as_env("TOKEN")])
    monkeypatch.setenv("TOKEN", "first-value")
    first = compile(image)
    monkeypatch.setenv("TOKEN", "second-value")
    second = compile(image)
    assert first.digest == second.digest
    assert "first-value" not in repr(first)
    assert "second-value" not in repr(second)


# -- names ----------------------------------------------------------------------------


def test_unnamed_stages_are_numbered_and_named_ones_keep_their_name() -> None:
    builder = builder_image().named("Builder")
    assets = Image.from_("node:20").run("npm run build")
    target = Image.from_("debian").copy(builder / "/out/app", "/app").copy(assets / "/dist", "/www")
    plan = compile(target)
    assert [s.name for s in plan.stages] == ["builder", "stage-1", "stage-2"]
    assert compile(target.named("release")).target.name == "release"


def test_stage_names_are_unique() -> None:
    stages = [Image.from_("alpine").run(f"step {i}") for i in range(5)]
    target = Image.from_("debian")
    for i, stage in enumerate(stages):
        target = target.copy(stage / "/out", f"/out{i}")
    plan = compile(target)
    names = [s.name for s in plan.stages]
    assert len(set(names)) == len(names) == 6


# -- depends_on and secrets() ---------------------------------------------------------


def test_depends_on_lists_base_then_copies_without_repeats() -> None:
    base = Image.from_("alpine").run("base")
    x = Image.from_("alpine").run("x")
    y = Image.from_("alpine").run("y")
    target = Image.from_(base).copy(y / "/y", "/y").copy(x / "/x", "/x").copy(y / "/y2", "/y2")
    plan = compile(target)
    digest = {name: compile(i).target.id for name, i in {"base": base, "x": x, "y": y}.items()}
    assert plan.target.depends_on == (digest["base"], digest["y"], digest["x"])
    for stage in plan.stages[:-1]:
        assert stage.depends_on == ()


def test_depends_on_of_a_stage_built_by_hand() -> None:
    def copy(stage: str, path: str) -> StageCopyOp:
        return StageCopyOp(
            stage=stage, path=path, dest="/d", file_dest="/d", written="/d", owner="0:0"
        )

    stage = Stage(
        id="sha256:" + "1" * 64,
        name="s",
        base_stage="sha256:" + "a" * 64,
        steps=(copy("sha256:" + "b" * 64, "/p"), copy("sha256:" + "a" * 64, "/q")),
    )
    assert stage.depends_on == ("sha256:" + "a" * 64, "sha256:" + "b" * 64)


def test_plan_secrets_are_listed_once_in_first_use_order(tmp_path: Path) -> None:
    npm = Secret.env("NPM_TOKEN")
    netrc = Secret.file(tmp_path / ".netrc")
    pip = Secret.env("PIP_TOKEN", id="pip")
    builder = Image.from_("node:20").run("npm ci", secrets=[npm.as_env("NPM_TOKEN")])
    target = (
        Image.from_("python:3.11")
        .run("pip install", secrets=[pip.as_env("PIP_TOKEN"), netrc.as_file("/root/.netrc")])
        .copy(builder / "/dist", "/dist")
        .run("again", secrets=[npm.as_file("/npm"), pip.as_env("X")])
    )
    plan = compile(target)
    assert plan.secrets() == (npm, pip, netrc)
    assert [s.id for s in plan.secrets()] == ["NPM_TOKEN", "pip", "netrc"]


def test_plan_without_secrets() -> None:
    assert compile(Image.from_("alpine").run("true")).secrets() == ()


def test_a_cycle_between_stages_is_a_spec_error() -> None:
    # Immutable images cannot form a cycle through the API; forcing one shows compile()
    # still refuses it instead of recursing forever.
    a = Image.from_("alpine:3.19").run("true")
    b = Image.from_(a).run("true")
    object.__setattr__(a, "_base", b)  # a now builds on b, which builds on a
    with pytest.raises(SpecError) as caught:
        compile(b)
    assert "cycle" in caught.value.problem
    assert "derived from it" in caught.value.fix
