"""``Image``: immutability and what every chained method records."""

from __future__ import annotations

import hashlib
import inspect
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from framework import CacheMount, Context, FrameworkError, Image, Inline, Secret
from framework.plan import CmdOp, EntrypointOp, compile
from framework.spec import (
    Cmd,
    ContextPath,
    Copy,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Label,
    Run,
    SecretUse,
    StagePath,
    User,
    Workdir,
)


def _line() -> int:
    """The line number of the caller."""
    frame = inspect.currentframe()
    assert frame is not None
    assert frame.f_back is not None
    return frame.f_back.f_lineno


def _meaning(image: Image) -> object:
    """What an image describes, without where it was declared."""
    return repr(image)


# -- immutability ---------------------------------------------------------------------


def test_every_method_returns_a_new_image_and_leaves_the_receiver_unchanged(
    base: Image, ctx: Context
) -> None:
    builder = Image.from_("golang:1.22")
    calls: dict[str, Callable[[Image], Image]] = {
        "run": lambda i: i.run("true"),
        "copy": lambda i: i.copy(ctx / "app.py", "/app.py"),
        "env": lambda i: i.env(A="1"),
        "workdir": lambda i: i.workdir("/w"),
        "user": lambda i: i.user("app"),
        "label": lambda i: i.label(a="b"),
        "expose": lambda i: i.expose(80),
        "entrypoint": lambda i: i.entrypoint(["x"]),
        "cmd": lambda i: i.cmd(["x"]),
        "healthcheck": lambda i: i.healthcheck(["x"]),
        "stage copy": lambda i: i.copy(builder / "/out", "/out"),
        "named": lambda i: i.named("thing"),
    }
    before = _meaning(base)
    for what, call in calls.items():
        result = call(base)
        assert isinstance(result, Image), what
        assert result is not base, what
        assert _meaning(base) == before, f"{what} changed its receiver"
        assert base.steps == ()
        assert base.name is None
    assert _meaning(builder) == _meaning(Image.from_("golang:1.22"))


def test_fields_cannot_be_assigned(base: Image) -> None:
    image = base.run("true")
    with pytest.raises((TypeError, AttributeError, FrameworkError)):
        image.name = "changed"  # type: ignore[misc]
    with pytest.raises((TypeError, AttributeError, FrameworkError)):
        image.steps = ()  # type: ignore[misc]
    assert image.name is None
    assert len(image.steps) == 1


def test_one_base_is_reused_by_many_images() -> None:
    common = Image.from_("python:3.11-slim").workdir("/app").env(LANG="C.UTF-8")
    web = common.run(["pip", "install", "flask"]).cmd(["flask", "run"])
    worker = common.run(["pip", "install", "celery"]).cmd(["celery", "worker"])

    assert len(common.steps) == 2
    assert web.steps[:2] == common.steps
    assert worker.steps[:2] == common.steps
    assert web.steps[2] != worker.steps[2]
    assert isinstance(web.steps[2], Run)
    assert web.steps[2].argv == ("pip", "install", "flask")
    assert isinstance(worker.steps[2], Run)
    assert worker.steps[2].argv == ("pip", "install", "celery")

    # An Image as a base is kept by reference, not copied.
    derived = Image.from_(common).run("true")
    assert derived.base is common
    assert isinstance(derived.steps[0], Run)
    assert derived.steps[0].script == "true"
    assert common.final_workdir == "/app"


def test_chaining_appends_steps_in_order(base: Image) -> None:
    image = base.workdir("/app").env(A="1").run("make").user("app").expose(80)
    assert [type(s) for s in image.steps] == [Workdir, Env, Run, User, Expose]
    assert image.base == "python:3.11-slim"


# -- run ------------------------------------------------------------------------------


def test_run_with_a_list_is_exec_form(base: Image) -> None:
    (step,) = base.run(["pip", "install", "-r", "requirements.txt"]).steps
    assert isinstance(step, Run)
    assert step.argv == ("pip", "install", "-r", "requirements.txt")
    assert step.script is None
    assert step.command() == "pip install -r requirements.txt"


def test_run_with_a_tuple_is_exec_form_too(base: Image) -> None:
    (step,) = base.run(("echo", "a b")).steps
    assert isinstance(step, Run)
    assert step.argv == ("echo", "a b")
    assert step.script is None


def test_run_with_a_string_is_a_shell_script(base: Image) -> None:
    (step,) = base.run("echo $HOME && ls | wc -l").steps
    assert isinstance(step, Run)
    assert step.script == "echo $HOME && ls | wc -l"
    assert step.argv is None
    assert step.command() == "echo $HOME && ls | wc -l"


def test_run_defaults(base: Image) -> None:
    (step,) = base.run("true").steps
    assert isinstance(step, Run)
    assert step.env == ()
    assert step.cache == ()
    assert step.secrets == ()
    assert step.network is True


def test_run_env_is_kept_literally_and_in_order(base: Image) -> None:
    (step,) = base.run(["make"], env={"B": "$HOME", "A": "x y", "C": ""}).steps
    assert isinstance(step, Run)
    assert step.env == (("B", "$HOME"), ("A", "x y"), ("C", ""))


def test_run_cache_from_a_path(base: Image) -> None:
    (step,) = base.run("pip install flask", cache="/root/.cache/pip").steps
    assert isinstance(step, Run)
    assert step.cache == (CacheMount(target="/root/.cache/pip"),)
    (mount,) = step.cache
    assert mount.id is None
    assert mount.scope == "tests/spec/test_image.py:test_run_cache_from_a_path"
    assert re.fullmatch(r"pipeline-[0-9a-f]{12}:/root/\.cache/pip", mount.cache_id)
    assert (mount.sharing, mount.mode, mount.uid, mount.gid) == ("shared", 0o755, 0, 0)


def test_run_cache_from_paths_and_mounts(base: Image) -> None:
    shared = CacheMount(target="/var/cache/apt", id="apt", sharing="locked")
    (step,) = base.run("apt-get update", cache=["/var/lib/apt", shared]).steps
    assert isinstance(step, Run)
    assert [m.target for m in step.cache] == ["/var/lib/apt", "/var/cache/apt"]
    assert [m.cache_id for m in step.cache] == [step.cache[0].cache_id, "apt"]
    assert step.cache[0].cache_id.endswith(":/var/lib/apt")
    assert [m.sharing for m in step.cache] == ["shared", "locked"]


def test_run_cache_from_a_single_mount(base: Image) -> None:
    mount = CacheMount(target="/root/.cache/go-build", sharing="private")
    (step,) = base.run(["go", "build"], cache=mount).steps
    assert isinstance(step, Run)
    assert step.cache == (mount,)


def test_run_secret_as_env(base: Image) -> None:
    token = Secret.env("API_TOKEN")
    assert token.id == "API_TOKEN"
    assert token.source == "env"
    assert token.name == "API_TOKEN"
    (step,) = base.run("pip install private", secrets=[token.as_env("PIP_TOKEN")]).steps
    assert isinstance(step, Run)
    (use,) = step.secrets
    assert use == SecretUse(secret=token, env="PIP_TOKEN")
    assert use.path is None
    assert use.mount_path == "/run/secrets/API_TOKEN"


def test_run_secret_as_file(base: Image, tmp_path: Path) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine example.com login x password y\n")
    secret = Secret.file(netrc)
    assert secret.id == "netrc"
    assert secret.source == "file"
    assert secret.name == str(netrc.resolve())
    (step,) = base.run("make", secrets=[secret.as_file("/root/.netrc")]).steps
    assert isinstance(step, Run)
    (use,) = step.secrets
    assert use.env is None
    assert use.path == "/root/.netrc"
    assert use.mount_path == "/root/.netrc"


def test_secret_ids_can_be_chosen(tmp_path: Path) -> None:
    assert Secret.env("GITHUB_TOKEN", id="gh").id == "gh"
    assert Secret.file(tmp_path / "key.pem", id="deploy-key").id == "deploy-key"
    assert Secret.file(tmp_path / "my key.pem").id == "my_key.pem"


def test_secret_values_are_not_read_when_declared(tmp_path: Path) -> None:
    # The value is read by the engine at build time only: a missing file is fine here.
    secret = Secret.file(tmp_path / "not-yet-there")
    assert secret.name == str((tmp_path / "not-yet-there").resolve())


def test_run_without_network(base: Image) -> None:
    (step,) = base.run(["make", "test"], network=False).steps
    assert isinstance(step, Run)
    assert step.network is False


def test_run_with_everything(base: Image) -> None:
    token = Secret.env("TOKEN")
    image = base.run(
        ["make"],
        env={"CI": "1"},
        cache=["/cache"],
        secrets=[token.as_env("TOKEN"), token.as_file("/etc/token")],
        network=False,
    )
    (step,) = image.steps
    assert isinstance(step, Run)
    assert step.env == (("CI", "1"),)
    assert [m.target for m in step.cache] == ["/cache"]
    assert [(u.env, u.path) for u in step.secrets] == [("TOKEN", None), (None, "/etc/token")]
    assert step.network is False


# -- copy -----------------------------------------------------------------------------


def test_copy_a_whole_context(base: Image, ctx: Context, ctx_dir: Path) -> None:
    (step,) = base.copy(ctx, "/app").steps
    assert isinstance(step, Copy)
    assert isinstance(step.source, ContextPath)
    assert step.source.path == "."
    assert step.source.is_dir is True
    assert step.source.context.path == ctx_dir.resolve()
    assert step.source.local_path == ctx_dir.resolve() / "."
    assert step.dest == "/app"
    assert step.owner is None
    assert step.mode is None


def test_copy_a_file_from_a_context(base: Image, ctx: Context, ctx_dir: Path) -> None:
    (step,) = base.workdir("/app").copy(ctx / "requirements.txt", ".").steps[1:]
    assert isinstance(step, Copy)
    assert isinstance(step.source, ContextPath)
    assert step.source.path == "requirements.txt"
    assert step.source.is_dir is False
    assert step.source.local_path == ctx_dir.resolve() / "requirements.txt"
    assert step.source.describe() == "app/requirements.txt"
    assert step.dest == "."
    assert step.into_directory is True


def test_copy_a_directory_from_a_context(base: Image, ctx: Context) -> None:
    (step,) = base.copy(ctx / "src", "/srv/src").steps
    assert isinstance(step, Copy)
    assert isinstance(step.source, ContextPath)
    assert step.source.path == "src"
    assert step.source.is_dir is True
    assert step.into_directory is False


def test_context_paths_are_normalised(ctx: Context) -> None:
    assert (ctx / "./src/").path == "src"
    assert (ctx / "src/../app.py").path == "app.py"
    assert (ctx / "src//pkg").path == "src/pkg"
    assert (ctx / ".").path == "."
    assert (ctx / "src/..").is_dir is True


def test_context_resolves_relative_paths_against_the_declaring_file() -> None:
    here = Path(__file__).resolve().parent
    assert Context(".").path == here
    assert Context("..").path == here.parent


def test_context_keeps_its_patterns(ctx_dir: Path) -> None:
    ctx = Context(ctx_dir, include=["src", "*.txt"], exclude=["**/__pycache__", "!keep"])
    assert ctx.include == ("src", "*.txt")
    assert ctx.exclude == ("**/__pycache__", "!keep")
    (step,) = Image.from_("alpine").copy(ctx, "/app").steps
    assert isinstance(step, Copy)
    assert isinstance(step.source, ContextPath)
    assert step.source.context.exclude == ("**/__pycache__", "!keep")


def test_symlink_inside_the_context_is_allowed(base: Image, ctx_dir: Path) -> None:
    (ctx_dir / "link.py").symlink_to(ctx_dir / "app.py")
    source = Context(ctx_dir) / "link.py"
    assert source.path == "link.py"
    assert source.is_dir is False


def test_copy_from_another_image_makes_a_stage_path(base: Image) -> None:
    builder = Image.from_("golang:1.22").run(["go", "build", "-o", "/out/app"]).named("builder")
    source = builder / "/out/app"
    assert isinstance(source, StagePath)
    assert source.image is builder
    assert source.path == "/out/app"
    assert source.describe() == "builder:/out/app"

    (step,) = base.copy(source, "/usr/local/bin/app", owner="app:app", mode=0o755).steps
    assert isinstance(step, Copy)
    assert step.source == source
    assert isinstance(step.source, StagePath)
    assert step.source.image is builder
    assert step.owner == "app:app"
    assert step.mode == 0o755


def test_copy_inline_text_and_bytes(base: Image) -> None:
    image = base.copy(Inline("key = 1\n"), "/etc/app.toml").copy(
        Inline(b"\x00\xffbinary"), "/data.bin", mode=0o600
    )
    text, data = image.steps
    assert isinstance(text, Copy)
    assert isinstance(text.source, Inline)
    assert text.source.content == b"key = 1\n"
    assert text.source.sha256 == hashlib.sha256(b"key = 1\n").hexdigest()
    assert text.source.describe() == "inline (8 bytes)"
    assert text.mode is None
    assert isinstance(data, Copy)
    assert isinstance(data.source, Inline)
    assert data.source.content == b"\x00\xffbinary"
    assert data.mode == 0o600


@pytest.mark.parametrize(
    ("owner", "mode"), [("app", None), ("1000:1000", 0o644), (None, 0o4755), ("www-data", 0)]
)
def test_copy_owner_and_mode(
    base: Image, ctx: Context, owner: str | None, mode: int | None
) -> None:
    (step,) = base.copy(ctx / "app.py", "/app.py", owner=owner, mode=mode).steps
    assert isinstance(step, Copy)
    assert step.owner == owner
    assert step.mode == mode


@pytest.mark.parametrize(
    ("dest", "into"),
    [("/opt/", True), ("/opt", False), (".", True), ("./", True), ("/opt/.", True), ("x", False)],
)
def test_copy_into_directory_rule(base: Image, ctx: Context, dest: str, into: bool) -> None:
    (step,) = base.workdir("/w").copy(ctx / "app.py", dest).steps[1:]
    assert isinstance(step, Copy)
    assert step.into_directory is into


# -- config steps ---------------------------------------------------------------------


def test_env_from_keywords_and_mapping(base: Image) -> None:
    (step,) = base.env({"B": "2", "A": "1"}, C="$3").steps
    assert isinstance(step, Env)
    assert step.values == (("B", "2"), ("A", "1"), ("C", "$3"))


def test_env_keyword_overrides_mapping(base: Image) -> None:
    (step,) = base.env({"A": "from mapping"}, A="from keyword").steps
    assert isinstance(step, Env)
    assert step.values == (("A", "from keyword"),)


def test_workdir_absolute_then_relative(base: Image) -> None:
    image = base.workdir("/app").workdir("src").workdir("../lib")
    assert [s.path for s in image.steps if isinstance(s, Workdir)] == ["/app", "src", "../lib"]
    assert image.final_workdir == "/app/lib"
    assert base.final_workdir is None


def test_relative_workdir_after_a_base_image_with_one(base: Image) -> None:
    parent = base.workdir("/srv")
    child = Image.from_(parent).workdir("app").copy(Inline("x"), "conf.txt")
    assert child.final_workdir == "/srv/app"
    assert isinstance(child.steps[1], Copy)
    assert child.steps[1].dest == "conf.txt"


def test_user(base: Image) -> None:
    image = base.user("app").user("1000:1000").user("www-data:www-data")
    assert [s.user for s in image.steps if isinstance(s, User)] == [
        "app",
        "1000:1000",
        "www-data:www-data",
    ]


def test_label(base: Image) -> None:
    url = "https://example.com/repo"
    (step,) = base.label({"org.opencontainers.image.source": url}, maintainer="me").steps
    assert isinstance(step, Label)
    assert step.values == (("org.opencontainers.image.source", url), ("maintainer", "me"))


def test_expose(base: Image) -> None:
    image = base.expose(5000).expose(53, "udp")
    assert [(s.port, s.protocol) for s in image.steps if isinstance(s, Expose)] == [
        (5000, "tcp"),
        (53, "udp"),
    ]


def test_entrypoint_and_cmd(base: Image) -> None:
    image = base.entrypoint(["python", "-m", "app"]).cmd(["--port", "5000"])
    entry, cmd = image.steps
    assert isinstance(entry, Entrypoint)
    assert entry.argv == ("python", "-m", "app")
    assert isinstance(cmd, Cmd)
    assert cmd.argv == ("--port", "5000")


def test_string_entrypoint_and_cmd_run_under_sh(base: Image) -> None:
    image = base.entrypoint("exec app $ARGS").cmd("echo hi")
    entry, cmd = image.steps
    assert isinstance(entry, Entrypoint)
    assert (entry.argv, entry.script) == (None, "exec app $ARGS")
    assert isinstance(cmd, Cmd)
    assert (cmd.argv, cmd.script) == (None, "echo hi")
    entry_op, cmd_op = compile(image).target.steps
    assert isinstance(entry_op, EntrypointOp)
    assert entry_op.argv == ("/bin/sh", "-c", "exec app $ARGS")
    assert isinstance(cmd_op, CmdOp)
    assert cmd_op.argv == ("/bin/sh", "-c", "echo hi")


def test_healthcheck(base: Image) -> None:
    (step,) = base.healthcheck(
        ["curl", "-f", "http://localhost:5000/"],
        interval=10,
        timeout=timedelta(seconds=2.5),
        start_period=timedelta(milliseconds=500),
        retries=5,
    ).steps
    assert isinstance(step, Healthcheck)
    assert step.argv == ("curl", "-f", "http://localhost:5000/")
    assert step.interval == 10.0
    assert step.timeout == 2.5
    assert step.start_period == 0.5
    assert step.retries == 5


def test_healthcheck_defaults_and_string_form(base: Image) -> None:
    (step,) = base.healthcheck("curl -f localhost || exit 1").steps
    assert isinstance(step, Healthcheck)
    assert step.argv is None
    assert step.script == "curl -f localhost || exit 1"
    # Nothing given, nothing set: the runtime's defaults apply.
    assert (step.interval, step.timeout, step.start_period, step.retries) == (None,) * 4


def test_healthcheck_none_disables(base: Image) -> None:
    (step,) = base.healthcheck(None).steps
    assert isinstance(step, Healthcheck)
    assert step.argv is None


# -- composition ----------------------------------------------------------------------


def test_named(base: Image) -> None:
    image = base.run("true")
    named = image.named("builder")
    assert named.name == "builder"
    assert named.steps == image.steps
    assert named.base == image.base
    assert image.name is None
    assert named.named("other").name == "other"


def test_apply_a_fragment(base: Image) -> None:
    def python_app(image: Image) -> Image:
        return image.workdir("/app").env(PYTHONUNBUFFERED="1").cmd(["python", "app.py"])

    applied = base.apply(python_app)
    direct = base.workdir("/app").env(PYTHONUNBUFFERED="1").cmd(["python", "app.py"])
    assert _meaning(applied) == _meaning(direct)
    assert [type(s) for s in applied.steps] == [Workdir, Env, Cmd]
    assert base.steps == ()


def test_apply_fragments_in_sequence(base: Image) -> None:
    def add(name: str) -> Callable[[Image], Image]:
        return lambda image: image.env({name: "1"})

    image = base.apply(add("A")).apply(add("B"))
    assert [s.values for s in image.steps if isinstance(s, Env)] == [
        (("A", "1"),),
        (("B", "1"),),
    ]


def test_scratch_has_no_base() -> None:
    image = Image.scratch().copy(Inline("x"), "/x")
    assert image.base is None
    assert len(image.steps) == 1


# -- origins --------------------------------------------------------------------------


def test_steps_record_where_they_were_declared(base: Image) -> None:
    line = _line() + 1
    image = base.run("true")
    (step,) = image.steps
    assert step.origin is not None
    assert step.origin.file.endswith("test_image.py")
    assert step.origin.line == line


def test_image_records_where_it_was_started() -> None:
    line = _line() + 1
    image = Image.from_("alpine").run("true").named("x")
    assert image.origin is not None
    assert image.origin.file.endswith("test_image.py")
    assert image.origin.line == line


def test_origins_are_not_part_of_the_description(base: Image) -> None:
    first = base.run("true")
    second = base.run("true")
    assert first.steps[0].origin != second.steps[0].origin
    assert _meaning(first) == _meaning(second)
    assert first == second
    assert hash(first) == hash(second)
    assert first.steps[0] == second.steps[0]
    assert first != base.run("false")


def test_context_patterns_given_as_one_string(tmp_path: Path) -> None:
    ctx = Context(tmp_path, include="*.py", exclude="build")
    assert ctx.include == ("*.py",)
    assert ctx.exclude == ("build",)


def test_directory_copy_allowed_when_include_picks_files_inside(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("")
    ctx = Context(tmp_path, include=["src/*.py"])
    image = Image.from_("alpine").copy(ctx / "src", "/src")
    assert image.steps[0].source.path == "src"  # type: ignore[union-attr]
