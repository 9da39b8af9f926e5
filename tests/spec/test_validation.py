"""Every invalid description raises ``SpecError`` when it is built, saying what, where, how.

Most cases are one-line lambdas: the error's ``where`` must name this file and the line
of the lambda (the line of user code that made the bad call).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from framework import CacheMount, Context, FrameworkError, Image, Inline, Secret, SpecError, compile
from framework.spec import SecretUse

HERE = Path(__file__)
Build = Callable[[Image, Context], object]


def _marked_line(marker: str) -> int:
    """The line of this file that ends with the comment ``# <marker>``."""
    lines = [
        number
        for number, text in enumerate(HERE.read_text().splitlines(), 1)
        if text.rstrip().endswith(f"# {marker}")
    ]
    assert len(lines) == 1, f"marker {marker!r} found on lines {lines}"
    return lines[0]


def _check_message(err: SpecError) -> None:
    assert err.problem
    assert err.fix
    place = f"{err.where}: " if err.where else ""
    assert str(err) == f"{place}{err.problem}\n  fix: {err.fix}"
    assert isinstance(err, FrameworkError)


# (build, words the problem must contain, words the fix must contain)
CASES = [
    # relative paths with no workdir before them
    pytest.param(
        lambda b, c: b.workdir("relative/dir"),
        "relative workdir 'relative/dir'",
        "workdir('/abs",
        id="relative-workdir",
    ),
    pytest.param(
        lambda b, c: b.copy(c / "app.py", "app.py"),
        "relative copy destination 'app.py'",
        "absolute path",
        id="relative-copy-dest",
    ),
    pytest.param(
        lambda b, c: b.copy(c / "app.py", "."),
        "relative copy destination '.'",
        "workdir",
        id="dot-copy-dest",
    ),
    pytest.param(
        lambda b, c: Image.from_(b.run("x")).workdir("w"),
        "relative workdir 'w'",
        "workdir",
        id="relative-workdir-on-image-base",
    ),
    # copy sources
    pytest.param(
        lambda b, c: b.copy(c / "../outside.txt", "/x"),
        "outside the context",
        "Context that contains it",
        id="dotdot-source",
    ),
    pytest.param(
        lambda b, c: b.copy(c / "src/../../x", "/x"),
        "outside the context",
        "move the file",
        id="nested-dotdot-source",
    ),
    pytest.param(
        lambda b, c: b.copy(c / "..", "/x"), "outside the context", "Context", id="parent-source"
    ),
    pytest.param(
        lambda b, c: b.copy(c / "/etc/passwd", "/x"),
        "'/etc/passwd' is an absolute path",
        "relative to the context",
        id="absolute-source",
    ),
    pytest.param(
        lambda b, c: b.copy(c / "missing.txt", "/x"),
        "'missing.txt' does not exist",
        "check the file name",
        id="missing-source",
    ),
    pytest.param(
        lambda b, c: Context(c.path / "no-such-dir"),
        "context directory",
        "create the directory",
        id="missing-context",
    ),
    pytest.param(
        lambda b, c: b.copy(Context(c.path, exclude=["*.py"]) / "app.py", "/x"),
        "'app.py' is excluded by the context's include/exclude patterns",
        "change the patterns",
        id="excluded-source",
    ),
    pytest.param(
        lambda b, c: b.copy(Context(c.path, include=["src"]) / "app.py", "/x"),
        "excluded by the context's",
        "patterns",
        id="not-included-source",
    ),
    pytest.param(
        lambda b, c: b.copy(Context(c.path, exclude=["src"]) / "src/main.py", "/x"),
        "'src/main.py' is excluded",
        "patterns",
        id="source-in-excluded-dir",
    ),
    pytest.param(
        lambda b, c: b.copy("app.py", "/x"), "copy source is a str", "Context", id="string-source"
    ),
    pytest.param(
        lambda b, c: c / "a\x00b",
        "context path contains a NUL",
        "remove the NUL",
        id="nul-source",
    ),
    pytest.param(
        lambda b, c: Context(c.path, exclude=["a\x00"]),
        "context pattern contains a NUL",
        "NUL",
        id="nul-pattern",
    ),
    # copy destination, owner, mode
    pytest.param(
        lambda b, c: b.copy(c / "app.py", "/a\nb"),
        "contains a NUL or line break",
        "without control",
        id="newline-dest",
    ),
    pytest.param(
        lambda b, c: b.copy(c / "app.py", ""),
        "copy destination is empty",
        "give a path",
        id="empty-dest",
    ),
    pytest.param(
        lambda b, c: b.copy(c / "app.py", "/x", mode=0o10000),
        "copy mode 0o10000 is out of range",
        "0o7777",
        id="mode-too-big",
    ),
    pytest.param(
        lambda b, c: b.copy(c / "app.py", "/x", mode=-1),
        "out of range",
        "0o7777",
        id="mode-negative",
    ),
    pytest.param(
        lambda b, c: b.copy(c / "app.py", "/x", mode="rw"),
        "invalid copy mode",
        "mode",
        id="mode-not-int",
    ),
    pytest.param(
        lambda b, c: b.copy(c / "app.py", "/x", owner="app user"),
        "copy owner 'app user' is not a user",
        "':group'",
        id="bad-owner",
    ),
    # inline content needs a file name
    pytest.param(
        lambda b, c: b.copy(Inline("x"), "/etc/"),
        "inline content copied to the directory '/etc/'",
        "file's path",
        id="inline-to-dir",
    ),
    pytest.param(
        lambda b, c: b.workdir("/w").copy(Inline("x"), "."),
        "directory '.'",
        "file's path",
        id="inline-to-dot",
    ),
    pytest.param(
        lambda b, c: b.copy(Inline("x"), "/etc/."),
        "directory '/etc/.'",
        "file's path",
        id="inline-to-slash-dot",
    ),
    # stage paths
    pytest.param(
        lambda b, c: b.copy(b / "/out/*.so", "/lib/"),
        "stage path '/out/*.so' contains a wildcard",
        "directory",
        id="stage-star",
    ),
    pytest.param(
        lambda b, c: b / "/out/lib?.so",
        "contains a wildcard",
        "wildcards are not expanded",
        id="stage-question",
    ),
    pytest.param(
        lambda b, c: b / "/out/[ab].so", "contains a wildcard", "directory", id="stage-class"
    ),
    pytest.param(
        lambda b, c: b / "out/app",
        "stage path 'out/app' is not absolute",
        "start",
        id="stage-relative",
    ),
    # ports
    pytest.param(
        lambda b, c: b.expose(0), "port 0 is out of range", "between 1 and 65535", id="port-0"
    ),
    pytest.param(
        lambda b, c: b.expose(70000),
        "port 70000 is out of range",
        "between 1 and 65535",
        id="port-70000",
    ),
    pytest.param(lambda b, c: b.expose(65536), "port 65536", "65535", id="port-65536"),
    pytest.param(lambda b, c: b.expose("http"), "invalid expose port", "port", id="port-not-int"),
    pytest.param(
        lambda b, c: b.expose(80, "sctp"), "invalid expose protocol", "protocol", id="bad-protocol"
    ),
    # environment
    pytest.param(
        lambda b, c: b.env({"1ABC": "x"}),
        "name '1ABC' is not a valid name",
        "letters, digits",
        id="env-name-digit",
    ),
    pytest.param(
        lambda b, c: b.env({"A-B": "x"}),
        "'A-B' is not a valid name",
        "underscores",
        id="env-name-dash",
    ),
    pytest.param(
        lambda b, c: b.env({"": "x"}), "'' is not a valid name", "letters", id="env-name-empty"
    ),
    pytest.param(
        lambda b, c: b.run("x", env={"A B": "1"}),
        "'A B' is not a valid name",
        "letters",
        id="run-env-name",
    ),
    pytest.param(
        lambda b, c: b.env(PORT=5000),
        "env value for 'PORT' is int, not a string",
        "PORT=str(value)",
        id="env-int",
    ),
    pytest.param(
        lambda b, c: b.env({"A": None}),
        "env value for 'A' is NoneType",
        "str(value)",
        id="env-none",
    ),
    pytest.param(
        lambda b, c: b.run("x", env={"A": 1}),
        "env value for 'A' is int",
        "str(value)",
        id="run-env-int",
    ),
    pytest.param(
        lambda b, c: b.label(version=2),
        "label value for 'version' is int",
        "str(value)",
        id="label-int",
    ),
    pytest.param(lambda b, c: b.env(), "env got no variables", "NAME=value", id="env-empty"),
    pytest.param(lambda b, c: b.label(), "label got no labels", "key=value", id="label-empty"),
    pytest.param(
        lambda b, c: b.label({"": "v"}), "label key is empty", "key", id="label-key-empty"
    ),
    # NUL characters
    pytest.param(
        lambda b, c: b.env(A="x\x00y"), "value of A contains a NUL", "remove the NUL", id="nul-env"
    ),
    pytest.param(
        lambda b, c: b.label(a="x\x00"), "value of label 'a' contains a NUL", "NUL", id="nul-label"
    ),
    pytest.param(
        lambda b, c: b.label({"a\x00": "x"}),
        "contains '=' or a control character",
        "org.example",
        id="nul-label-key",
    ),
    pytest.param(
        lambda b, c: b.run(["echo", "a\x00"]), "run argument contains a NUL", "NUL", id="nul-argv"
    ),
    pytest.param(
        lambda b, c: b.run("echo \x00"), "run command contains a NUL", "NUL", id="nul-script"
    ),
    pytest.param(
        lambda b, c: b.run("x", env={"A": "\x00"}),
        "value of A contains a NUL",
        "NUL",
        id="nul-run-env",
    ),
    pytest.param(
        lambda b, c: b.entrypoint(["a\x00"]),
        "entrypoint argument contains a NUL",
        "NUL",
        id="nul-entrypoint",
    ),
    pytest.param(lambda b, c: b.cmd("a\x00"), "cmd command contains a NUL", "NUL", id="nul-cmd"),
    pytest.param(
        lambda b, c: b.healthcheck(["a\x00"]),
        "healthcheck argument contains a NUL",
        "NUL",
        id="nul-health",
    ),
    pytest.param(
        lambda b, c: b.workdir("/a\x00"),
        "workdir '/a\\x00' contains a NUL",
        "control",
        id="nul-workdir",
    ),
    # commands
    pytest.param(
        lambda b, c: b.run(""), "run got an empty command", "shell command", id="run-empty"
    ),
    pytest.param(
        lambda b, c: b.run("  \n\t"), "run got an empty command", "shell command", id="run-blank"
    ),
    pytest.param(
        lambda b, c: b.run([]), "run got an empty argv list", "program", id="run-empty-list"
    ),
    pytest.param(
        lambda b, c: b.run(["echo", 1]),
        "run command must be a string or a list of strings",
        "['program'",
        id="run-int-arg",
    ),
    pytest.param(
        lambda b, c: b.entrypoint([]),
        "entrypoint got an empty list",
        "program",
        id="entrypoint-empty",
    ),
    pytest.param(lambda b, c: b.cmd([]), "cmd got an empty list", "program", id="cmd-empty"),
    pytest.param(
        lambda b, c: b.healthcheck([]),
        "healthcheck got an empty list",
        "program",
        id="health-empty",
    ),
    pytest.param(
        lambda b, c: b.healthcheck(["x"], interval=0),
        "healthcheck interval 0.0s is too small",
        "at least 0.001",
        id="health-interval",
    ),
    pytest.param(
        lambda b, c: b.healthcheck(["x"], timeout=-1),
        "healthcheck timeout -1.0s",
        "at least 0.001",
        id="health-timeout",
    ),
    pytest.param(
        lambda b, c: b.healthcheck(["x"], start_period=-1),
        "start_period -1.0s",
        "seconds",
        id="health-start",
    ),
    pytest.param(
        lambda b, c: b.healthcheck(["x"], retries=0),
        "retries must be at least 1",
        "retries >= 1",
        id="health-retries",
    ),
    # users
    pytest.param(
        lambda b, c: b.user("app user"),
        "user 'app user' is not a user or user:group",
        "1000:1000",
        id="user-space",
    ),
    pytest.param(
        lambda b, c: b.user(""), "user '' is not a user", "name or numeric id", id="user-empty"
    ),
    pytest.param(lambda b, c: b.user("app:"), "user 'app:' is not", "':group'", id="user-colon"),
    pytest.param(
        lambda b, c: b.user(":app"), "user ':app' is not", "':group'", id="user-leading-colon"
    ),
    pytest.param(
        lambda b, c: b.user("a:b:c"), "user 'a:b:c' is not", "':group'", id="user-two-colons"
    ),
    pytest.param(lambda b, c: b.user("$USER"), "user '$USER' is not", "':group'", id="user-dollar"),
    # mounts
    pytest.param(
        lambda b, c: b.run("x", cache=["/c", "/c"]),
        "two mounts of this run step share the path '/c'",
        "own path",
        id="two-caches",
    ),
    pytest.param(
        lambda b, c: b.run("x", cache="/c", secrets=[Secret.env("T").as_file("/c")]),
        "share the path '/c'",
        "own path",
        id="cache-and-secret",
    ),
    pytest.param(
        lambda b, c: b.run(
            "x", secrets=[Secret.env("A").as_file("/s"), Secret.env("B").as_file("/s")]
        ),
        "share the path '/s'",
        "own path",
        id="two-secret-files",
    ),
    pytest.param(
        lambda b, c: b.run("x", cache="/a,b"),
        "cache mount target '/a,b' has characters a mount option cannot carry",
        "mount paths",
        id="cache-comma",
    ),
    pytest.param(
        lambda b, c: b.run("x", cache='/a"b'),
        "a mount option cannot carry",
        "mount path",
        id="cache-quote",
    ),
    pytest.param(
        lambda b, c: b.run("x", cache="/$HOME"),
        "a mount option cannot carry",
        "mount path",
        id="cache-dollar",
    ),
    pytest.param(
        lambda b, c: b.run("x", cache="/a\\b"),
        "a mount option cannot carry",
        "mount path",
        id="cache-backslash",
    ),
    pytest.param(
        lambda b, c: b.run("x", cache="cache"),
        "cache mount target 'cache' is not absolute",
        "'/'",
        id="cache-relative",
    ),
    # image references
    pytest.param(
        lambda b, c: Image.from_("bad ref"),
        "image reference 'bad ref' is not valid",
        "python:3.11-slim",
        id="ref-space",
    ),
    pytest.param(
        lambda b, c: Image.from_("-x"),
        "image reference '-x' is not valid",
        "registry/name",
        id="ref-dash",
    ),
    pytest.param(
        lambda b, c: Image.from_("a$b"),
        "image reference 'a$b' is not valid",
        "reference",
        id="ref-dollar",
    ),
    pytest.param(
        lambda b, c: Image.from_(""), "image reference '' is not valid", "reference", id="ref-empty"
    ),
    pytest.param(
        lambda b, c: Image.from_("a\nFROM b"), "is not valid", "reference", id="ref-newline"
    ),
    pytest.param(
        lambda b, c: Image.from_(42),  # type: ignore[arg-type]
        "Image.from_ got int",
        "reference string or an Image",
        id="ref-int",
    ),
    # fragments
    pytest.param(
        lambda b, c: b.apply(lambda i: None),
        "returned NoneType, not an Image",
        "return the Image",
        id="apply-none",
    ),
    pytest.param(
        lambda b, c: b.apply(lambda i: [i]),
        "returned list, not an Image",
        "return the Image",
        id="apply-list",
    ),
]


@pytest.mark.parametrize(("build", "problem", "fix"), CASES)
def test_invalid_description_raises_at_construction(
    build: Build, problem: str, fix: str, base: Image, ctx: Context
) -> None:
    with pytest.raises(SpecError) as info:
        build(base, ctx)
    err = info.value
    assert problem in err.problem
    assert fix in err.fix
    _check_message(err)
    assert err.where is not None, "the error does not say where"
    assert err.where.endswith(f"test_validation.py:{build.__code__.co_firstlineno}")


def test_where_names_the_file_and_line_of_the_bad_call(base: Image) -> None:
    with pytest.raises(SpecError) as info:
        base.workdir("/app").run("true").workdir("/x").expose(0)  # where: port
    assert info.value.where is not None
    assert info.value.where.endswith(f"test_validation.py:{_marked_line('where: port')}")
    file, _, _line = info.value.where.rpartition(":")
    assert Path(file).resolve() == HERE.resolve()


def test_where_of_a_relative_path_is_the_step_not_the_image(base: Image) -> None:
    start = Image.from_("alpine")
    with pytest.raises(SpecError) as info:
        start.env(A="1").copy(Inline("x"), "conf.txt")  # where: relative dest
    assert info.value.where is not None
    assert info.value.where.endswith(f"test_validation.py:{_marked_line('where: relative dest')}")


def test_where_of_a_missing_context(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        Context(tmp_path / "nowhere")  # where: missing context
    err = info.value
    assert err.where is not None
    assert err.where.endswith(f"test_validation.py:{_marked_line('where: missing context')}")
    assert str(tmp_path / "nowhere") in err.problem


def test_where_of_a_fragment_returning_a_non_image(base: Image) -> None:
    def broken(image: Image) -> Image:
        image.run("true")
        return "oops"  # type: ignore[return-value]

    with pytest.raises(SpecError) as info:
        base.apply(broken)  # where: apply
    err = info.value
    assert "fragment 'broken' returned str, not an Image" in err.problem
    assert err.where is not None
    assert err.where.endswith(f"test_validation.py:{_marked_line('where: apply')}")


def test_symlink_out_of_the_context_is_refused(ctx_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours\n")
    (ctx_dir / "escape.txt").symlink_to(outside)
    (ctx_dir / "escape-dir").symlink_to(tmp_path, target_is_directory=True)
    (ctx_dir / "dangling").symlink_to(tmp_path / "gone")
    ctx = Context(ctx_dir)

    with pytest.raises(SpecError) as info:
        _ = ctx / "escape.txt"  # where: symlink
    err = info.value
    assert "'escape.txt' is a symlink to" in err.problem
    assert str(outside.resolve()) in err.problem
    assert "outside the context" in err.problem
    assert "copy the target into the context" in err.fix
    assert err.where is not None
    assert err.where.endswith(f"test_validation.py:{_marked_line('where: symlink')}")

    for path in ("escape-dir", "escape-dir/outside.txt", "dangling"):
        with pytest.raises(SpecError, match="outside the context"):
            _ = ctx / path


# -- raised by compile() --------------------------------------------------------------


def test_two_different_images_with_one_name() -> None:
    first = Image.from_("golang:1.22").run(["go", "build"]).named("builder")
    second = Image.from_("rust:1").run(["cargo", "build"]).named("builder")  # where: clash
    target = Image.from_("debian").copy(first / "/out/a", "/a").copy(second / "/out/b", "/b")
    with pytest.raises(SpecError) as info:
        compile(target)
    err = info.value
    assert "two different images are both named 'builder'" in err.problem
    assert "give each image its own name" in err.fix
    assert err.where is not None
    assert err.where.endswith(f"test_validation.py:{_marked_line('where: clash')}")
    _check_message(err)


def test_name_clash_ignores_case() -> None:
    first = Image.from_("alpine").run("a").named("Tools")
    second = Image.from_("alpine").run("b").named("tools")
    with pytest.raises(SpecError, match="both named"):
        compile(Image.from_(first).copy(second / "/x", "/x"))


def test_the_same_image_named_twice_is_no_clash() -> None:
    builder = Image.from_("alpine").run("make").named("builder")
    target = Image.from_("debian").copy(builder / "/a", "/a").copy(builder / "/b", "/b")
    assert [s.name for s in compile(target).stages] == ["builder", "stage-1"]


@pytest.mark.parametrize("name", ["stage-1", "scratch", "my app", "-x", "a/b"])
def test_names_that_cannot_name_a_stage(name: str) -> None:
    image = Image.from_("alpine").run("true").named(name)
    with pytest.raises(SpecError) as info:
        compile(image)
    assert f"image name {name!r} cannot name a stage" in info.value.problem
    assert "lowercase letters" in info.value.fix


def test_secret_id_clash(tmp_path: Path) -> None:
    from_env = Secret.env("TOKEN")
    from_file = Secret.file(tmp_path / "token.txt", id="TOKEN")
    image = (
        Image.from_("alpine")
        .run("a", secrets=[from_env.as_env("TOKEN")])
        .run("b", secrets=[from_file.as_file("/token")])  # where: secret clash
    )
    with pytest.raises(SpecError) as info:
        compile(image)
    err = info.value
    assert "secret id 'TOKEN' names two sources" in err.problem
    assert "$TOKEN" in err.problem
    assert str((tmp_path / "token.txt").resolve()) in err.problem
    assert "id='other'" in err.fix
    assert err.where is not None
    assert err.where.endswith(f"test_validation.py:{_marked_line('where: secret clash')}")


def test_secret_id_clash_across_stages() -> None:
    builder = Image.from_("alpine").run("a", secrets=[Secret.env("A", id="tok").as_env("T")])
    target = Image.from_(builder).run("b", secrets=[Secret.env("B", id="tok").as_env("T")])
    with pytest.raises(SpecError, match="secret id 'tok' names two sources"):
        compile(target)


def test_the_same_secret_used_twice_is_no_clash() -> None:
    token = Secret.env("TOKEN")
    image = (
        Image.from_("alpine")
        .run("a", secrets=[token.as_env("TOKEN")])
        .run("b", secrets=[Secret.env("TOKEN").as_file("/t")])
    )
    assert compile(image).secrets() == (token,)


# -- values built directly ------------------------------------------------------------

DIRECT = [
    pytest.param(
        lambda: CacheMount(target="/a,b"), "a mount option cannot carry", id="cache-comma"
    ),
    pytest.param(lambda: CacheMount(target="/c", id="x,y"), "cache id", id="cache-id-comma"),
    pytest.param(lambda: Secret.env("1TOKEN"), "'1TOKEN' is not a valid name", id="secret-var"),
    pytest.param(lambda: Secret.env("T", id="-t"), "secret id '-t' is not valid", id="secret-id"),
    pytest.param(lambda: Secret.env("T").as_env("A B"), "secret variable 'A B'", id="use-env"),
    pytest.param(lambda: Secret.env("T").as_file("run/t"), "not absolute", id="use-relative"),
    pytest.param(
        lambda: Secret.env("T").as_file("/a,b"), "a mount option cannot carry", id="use-comma"
    ),
    pytest.param(lambda: SecretUse(secret=Secret.env("T")), "exactly one of", id="use-none"),
    pytest.param(
        lambda: SecretUse(secret=Secret.env("T"), env="T", path="/t"), "exactly one", id="use-both"
    ),
]


@pytest.mark.parametrize(("build", "problem"), DIRECT)
def test_invalid_values_built_directly(build: Callable[[], object], problem: str) -> None:
    with pytest.raises(SpecError) as info:
        build()
    assert problem in info.value.problem
    _check_message(info.value)


# -- framework bugs -------------------------------------------------------------------


def test_where_of_an_empty_name_is_the_named_call() -> None:
    start = Image.from_("alpine")
    with pytest.raises(SpecError) as info:
        start.named("  ")  # where: empty name
    err = info.value
    assert "image name is empty" in err.problem
    assert err.where is not None
    assert err.where.endswith(f"test_validation.py:{_marked_line('where: empty name')}")
