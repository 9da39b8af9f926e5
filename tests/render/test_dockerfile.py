"""The Dockerfile renderer: golden files, determinism, escaping of arbitrary values.

Golden files live in ``tests/render/golden``; regenerate them with ``UPDATE_GOLDEN=1``
and read the diff before committing it.

To check escaping without an engine, this file carries a small model of how BuildKit's
Dockerfile frontend reads a line (ports of ``parseWords``, ``extractBuilderFlags`` and the
shell-word lexer of moby/buildkit): a value is rendered correctly when the model reads
back exactly the value the spec holds.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser
from hypothesis import example, given, settings
from hypothesis import strategies as st

from framework import CacheMount, Context, Image, Inline, Secret, SpecError, compile, render
from framework.plan import BuildPlan
from framework.plan.ops import exec_argv
from framework.render import RenderedBuild
from framework.spec import ContextPath, Run
from tests.conftest import ReliabilityReport

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


# -- a model of how BuildKit reads a Dockerfile line ----------------------------------


class DockerSyntaxError(Exception):
    """BuildKit would refuse the line (or read it differently than intended)."""


_GO_SPACE = set("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)
}


def go_space(ch: str) -> bool:
    """Go's ``unicode.IsSpace``."""
    return ch in _GO_SPACE


def split_words(rest: str) -> list[str]:  # noqa: PLR0915 (a port, kept close to Go)
    """``parseWords``: split on unquoted white space, keeping quotes and escapes."""
    words: list[str] = []
    word = ""
    phase = "spaces"
    quote = ""
    blank_ok = False
    pos = 0
    while True:
        ch = rest[pos] if pos < len(rest) else ""
        if phase == "spaces":
            if pos == len(rest):
                break
            if go_space(ch):
                pos += 1
                continue
            phase = "word"
        if pos == len(rest):
            if blank_ok or word:
                words.append(word)
            break
        if phase == "word":
            if go_space(ch):
                phase = "spaces"
                if blank_ok or word:
                    words.append(word)
                word, blank_ok = "", False
                pos += 1
                continue
            if ch in "'\"":
                quote, blank_ok, phase = ch, True, "quote"
            if ch == "\\":
                if pos + 1 == len(rest):
                    pos += 1
                    continue
                word += ch
                pos += 1
                ch = rest[pos]
            word += ch
            pos += 1
            continue
        # in a quote
        if ch == quote:
            phase = "word"
        if ch == "\\" and quote != "'":
            if pos + 1 == len(rest):
                phase = "word"
                pos += 1
                continue
            pos += 1
            word += ch
            ch = rest[pos]
        word += ch
        pos += 1
    return words


def _dollar(word: str, pos: int, args: Mapping[str, str]) -> tuple[str, int]:
    nxt = word[pos + 1] if pos + 1 < len(word) else ""
    if nxt == "{":
        end = word.find("}", pos + 2)
        if end < 0:
            raise DockerSyntaxError(f"missing '}}' in {word!r}")
        name = word[pos + 2 : end]
        if name not in args:
            raise DockerSyntaxError(f"{word!r} expands ${{{name}}}, which is no build arg")
        return args[name], end + 1
    if nxt.isalnum() or nxt == "_":
        raise DockerSyntaxError(f"{word!r} expands a variable at {pos}")
    return "$", pos + 1


def process_word(word: str, args: Mapping[str, str]) -> str:
    """BuildKit's ``ProcessWord``: remove quotes, apply escapes, expand variables."""
    out: list[str] = []
    pos = 0
    while pos < len(word):
        ch = word[pos]
        if ch == "'":
            end = word.find("'", pos + 1)
            if end < 0:
                raise DockerSyntaxError(f"unterminated single quote in {word!r}")
            out.append(word[pos + 1 : end])
            pos = end + 1
        elif ch == '"':
            pos += 1
            while True:
                if pos >= len(word):
                    raise DockerSyntaxError(f"unterminated double quote in {word!r}")
                ch = word[pos]
                if ch == '"':
                    pos += 1
                    break
                if ch == "$":
                    value, pos = _dollar(word, pos, args)
                    out.append(value)
                    continue
                if ch == "\\" and pos + 1 < len(word) and word[pos + 1] in '"$\\':
                    out.append(word[pos + 1])
                    pos += 2
                    continue
                out.append(ch)
                pos += 1
        elif ch == "$":
            value, pos = _dollar(word, pos, args)
            out.append(value)
        elif ch == "\\":
            if pos + 1 < len(word):
                out.append(word[pos + 1])
            pos += 2
        else:
            out.append(ch)
            pos += 1
    return "".join(out)


def name_values(rest: str, args: Mapping[str, str]) -> list[tuple[str, str]]:
    """``ENV``/``LABEL`` arguments: words split at their first ``=``, then processed."""
    pairs = []
    for word in split_words(rest):
        if "=" not in word:
            raise DockerSyntaxError(f"no '=' in {word!r}")
        key, value = word.split("=", 1)
        pairs.append((process_word(key, args), process_word(value, args)))
    return pairs


def builder_flags(rest: str) -> tuple[list[str], str]:  # noqa: PLR0915 (a port)
    """``extractBuilderFlags``: the ``--flags`` before an instruction's arguments."""
    words: list[str] = []
    word = ""
    phase = "spaces"
    quote = ""
    blank_ok = False
    pos = 0
    while pos <= len(rest):
        ch = rest[pos] if pos < len(rest) else ""
        if phase == "spaces":
            if pos == len(rest):
                break
            if go_space(ch):
                pos += 1
                continue
            if not rest.startswith("--", pos):
                return words, rest[pos:]
            phase = "word"
        if pos == len(rest):
            if word != "--" and (blank_ok or word):
                words.append(word)
            break
        if phase == "word":
            if go_space(ch):
                phase = "spaces"
                if word == "--":
                    return words, rest[pos:]
                if blank_ok or word:
                    words.append(word)
                word, blank_ok = "", False
                pos += 1
                continue
            if ch in "'\"":
                quote, blank_ok, phase = ch, True, "quote"
                pos += 1
                continue
            if ch == "\\":
                if pos + 1 == len(rest):
                    pos += 1
                    continue
                pos += 1
                ch = rest[pos]
            word += ch
            pos += 1
            continue
        if ch == quote:
            phase = "word"
            pos += 1
            continue
        if ch == "\\":
            if pos + 1 == len(rest):
                phase = "word"
                pos += 1
                continue
            pos += 1
            ch = rest[pos]
        word += ch
        pos += 1
    return words, ""


def instructions(dockerfile: str) -> list[dict[str, object]]:
    """What ``dockerfile_parse`` reads (lines split on ``\\n`` only, as BuildKit does)."""
    parser = DockerfileParser(fileobj=io.BytesIO(dockerfile.encode()))
    return [i for i in parser.structure if i["instruction"] != "COMMENT"]


def lines_of(rendered: RenderedBuild, keyword: str) -> list[str]:
    return [
        line[len(keyword) + 1 :]
        for line in rendered.dockerfile.split("\n")  # BuildKit splits on \n only
        if line.startswith(keyword + " ")
    ]


def test_model_reads_docker_syntax() -> None:
    # The model itself: cases whose reading by BuildKit is known.
    assert process_word('"a \\"b\\" \\$c \\\\d"', {}) == 'a "b" $c \\d'
    assert process_word("'a\\b $c'", {}) == "a\\b $c"
    assert process_word("a\\ b", {}) == "a b"
    assert process_word("${X}y", {"X": "x\n"}) == "x\ny"
    assert process_word("cost $ 5", {}) == "cost $ 5"
    with pytest.raises(DockerSyntaxError):
        process_word("it's", {})
    with pytest.raises(DockerSyntaxError):
        process_word("$HOME", {})
    assert split_words('A="x y" B=z  "c d"=e') == ['A="x y"', "B=z", '"c d"=e']
    assert name_values('"k"="v w" X=${A}', {"A": "1"}) == [("k", "v w"), ("X", "1")]
    assert builder_flags('--mount=type=cache,target=/x --network=none ["a"]') == (
        ["--mount=type=cache,target=/x", "--network=none"],
        '["a"]',
    )
    assert builder_flags("--mount=target=/a b ls") == (["--mount=target=/a"], "b ls")
    assert builder_flags('--x="a b" run') == (["--x=a b"], "run")


# -- golden files ---------------------------------------------------------------------


def _write(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def flask_plan(tmp_path: Path) -> BuildPlan:
    root = _write(
        tmp_path / "app",
        {
            "requirements.txt": "flask==3.0.3\n",
            "app.py": "from flask import Flask\napp = Flask(__name__)\n",
            "templates/index.html": "<h1>hi</h1>\n",
            "__pycache__/app.cpython-311.pyc": "",
        },
    )
    ctx = Context(root, exclude=["__pycache__", "*.pyc"])
    image = (
        Image.from_("python:3.11-slim")
        .workdir("/app")
        .env(PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
        .copy(ctx / "requirements.txt", ".")
        .run(["pip", "install", "-r", "requirements.txt"], cache="/root/.cache/pip")
        .copy(ctx, ".")
        .user("1000:1000")
        .expose(5000)
        .cmd(["flask", "--app", "app", "run", "--host=0.0.0.0"])
    )
    return compile(image)


def multistage_plan(tmp_path: Path) -> BuildPlan:
    root = _write(
        tmp_path / "app",
        {
            "go.mod": "module example.com/app\n\ngo 1.22\n",
            "go.sum": "",
            "cmd/app/main.go": "package main\n\nfunc main() {}\n",
            "web/package.json": "{}\n",
        },
    )
    ctx = Context(root)
    gomod = CacheMount(target="/go/pkg/mod", id="gomod", sharing="shared")
    builder = (
        Image.from_("golang:1.22")
        .workdir("/src")
        .copy(ctx / "go.mod", ".")
        .copy(ctx / "go.sum", ".")
        .run(["go", "mod", "download"], cache=gomod)
        .copy(ctx, ".")
        .run(
            "CGO_ENABLED=0 go build -o /out/app ./cmd/app",
            cache=[gomod, "/root/.cache/go-build"],
        )
        .named("builder")
    )
    assets = (
        Image.from_("node:20-slim")
        .workdir("/web")
        .copy(ctx / "web", ".")
        .run(["npm", "run", "build"], network=False)
    )
    runtime = Image.from_("debian:bookworm-slim").run(
        ["useradd", "--system", "--uid", "10001", "app"]
    )
    image = (
        Image.from_(runtime)
        .copy(builder / "/out/app", "/usr/local/bin/app", owner="app:app", mode=0o755)
        .copy(assets / "/web/dist", "/srv/www/", owner="10001")
        .copy(builder / "/src/go.mod", "/srv/", mode=0o444)
        .user("app")
        .entrypoint(["/usr/local/bin/app"])
    )
    return compile(image)


def escaping_plan(tmp_path: Path) -> BuildPlan:
    netrc = tmp_path / "netrc"
    image = (
        Image.from_("alpine:3.19")
        .workdir("/opt/my app")
        .env(
            {
                "GREETING": 'say "hi"',
                "PRICE": "$5 and ${HOME} and $(id)",
                "WIN_PATH": "C:\\Users\\me\\",
                "UNICODE": "ünïcødé ✓ 日本",
                "MULTI": "line one\nline two",
            }
        )
        .label(
            {
                "org.opencontainers.image.title": 'The "App"',
                "com.example.note": "cost: $$ \\o/ 'quoted'",
                "com.example.crlf": "a\r\nb",
            }
        )
        .run(
            "npm ci && npm run build",
            secrets=[
                Secret.env("NPM_TOKEN").as_env("NPM_TOKEN"),
                Secret.file(netrc, id="netrc").as_file("/root/.netrc"),
            ],
        )
        .run(
            ["python3", "-c", "import os; print(os.environ['MODE'])"],
            env={"MODE": 'it\'s $literal "quoted"\nsecond line'},
        )
        .copy(Inline("[server]\nport = 8080\n"), "/etc/app/config.toml", mode=0o640)
        .healthcheck(
            ["wget", "-qO-", "http://localhost:8080/health"],
            interval=15,
            timeout=2.5,
            start_period=timedelta(seconds=90),
            retries=4,
        )
        .entrypoint(["/sbin/tini", "--"])
        .cmd("exec app --config /etc/app/config.toml")
    )
    return compile(image)


GOLDEN_PLANS: dict[str, Callable[[Path], BuildPlan]] = {
    "flask": flask_plan,
    "multistage": multistage_plan,
    "escaping": escaping_plan,
}


@pytest.mark.parametrize("name", sorted(GOLDEN_PLANS))
def test_golden_dockerfile(name: str, tmp_path: Path) -> None:
    rendered = render(GOLDEN_PLANS[name](tmp_path))
    path = GOLDEN / f"{name}.Dockerfile"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(rendered.dockerfile.encode())
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 and review it"
    assert rendered.dockerfile == path.read_bytes().decode()


@pytest.mark.parametrize("name", sorted(GOLDEN_PLANS))
def test_golden_output_does_not_depend_on_the_context_location(name: str, tmp_path: Path) -> None:
    one = tmp_path / "one"
    two = tmp_path / "elsewhere" / "deeper"
    one.mkdir()
    two.mkdir(parents=True)
    first = render(GOLDEN_PLANS[name](one))
    second = render(GOLDEN_PLANS[name](two))
    assert first.dockerfile == second.dockerfile
    assert first.build_args == second.build_args
    assert [e.name for e in first.context] == [e.name for e in second.context]
    assert str(one) not in first.dockerfile
    assert str(tmp_path) not in first.dockerfile


def test_flask_golden_details(tmp_path: Path) -> None:
    rendered = render(flask_plan(tmp_path))
    assert rendered.build_args == ()
    requirements, whole = rendered.context
    assert isinstance(requirements.source, ContextPath)
    assert requirements.source.path == "requirements.txt"
    assert isinstance(whole.source, ContextPath)
    assert whole.source.path == "."
    assert whole.source.context.exclude == ("__pycache__", "*.pyc")
    assert lines_of(rendered, "COPY") == [
        f'["{requirements.name}/requirements.txt", "./requirements.txt"]',
        f'["{whole.name}/", "./"]',
    ]
    (run,) = lines_of(rendered, "RUN")
    flags, rest = builder_flags(run)
    scoped = "pipeline-b0f39709fe45:/root/.cache/pip"  # scoped to the declaring pipeline
    assert flags == [f"--mount=type=cache,target=/root/.cache/pip,id={scoped}"]
    assert json.loads(rest) == ["pip", "install", "-r", "requirements.txt"]


def test_multistage_golden_details(tmp_path: Path) -> None:
    plan = multistage_plan(tmp_path)
    rendered = render(plan)
    # the target's base comes first, then what it copies from, in first-use order
    assert [s.name for s in plan.stages] == ["stage-0", "builder", "stage-2", "stage-3"]
    assert lines_of(rendered, "FROM") == [
        "debian:bookworm-slim AS stage-0",
        "golang:1.22 AS builder",
        "node:20-slim AS stage-2",
        "stage-0 AS stage-3",
    ]
    # a copy out of another image is owned by root unless it names an owner
    assert [line for line in lines_of(rendered, "COPY") if line.startswith("--from")] == [
        '--from=builder --chown=app:app --chmod=0755 ["/out/app", "/usr/local/bin/app"]',
        '--from=stage-2 --chown=10001 ["/web/dist", "/srv/www/"]',
        '--from=builder --chown=0:0 --chmod=0444 ["/src/go.mod", "/srv/"]',
    ]
    # a copy from the context has no --chown: Docker's default owner is root already
    assert not [line for line in lines_of(rendered, "COPY") if line.startswith("--chown")]
    assets_run = next(line for line in lines_of(rendered, "RUN") if "npm" in line)
    assert builder_flags(assets_run) == (["--network=none"], '["npm", "run", "build"]')


def test_escaping_golden_details(tmp_path: Path) -> None:
    rendered = render(escaping_plan(tmp_path))
    args = dict(rendered.build_args)
    assert args == {"MULTI": "line one\nline two"}  # named like the variable it sets
    assert rendered.labels == (("com.example.crlf", "a\r\nb"),)  # set by the build command
    (env,) = lines_of(rendered, "ENV")
    assert name_values(env, args) == [
        ("GREETING", 'say "hi"'),
        ("PRICE", "$5 and ${HOME} and $(id)"),
        ("WIN_PATH", "C:\\Users\\me\\"),
        ("UNICODE", "ünïcødé ✓ 日本"),
        ("MULTI", "line one\nline two"),
    ]
    (label,) = lines_of(rendered, "LABEL")
    assert name_values(label, args) == [
        ("org.opencontainers.image.title", 'The "App"'),
        ("com.example.note", "cost: $$ \\o/ 'quoted'"),
    ]
    (workdir,) = lines_of(rendered, "WORKDIR")
    assert process_word(workdir, args) == "/opt/my app"
    secret_run, env_run = lines_of(rendered, "RUN")
    flags, rest = builder_flags(secret_run)
    assert flags == [
        "--mount=type=secret,id=NPM_TOKEN,target=/run/secrets/NPM_TOKEN",
        "--mount=type=secret,id=netrc,target=/root/.netrc",
    ]
    argv = json.loads(rest)
    assert argv[:2] == ["/bin/sh", "-c"]
    assert argv[2].endswith("\nnpm ci && npm run build")
    assert 'NPM_TOKEN="$(cat /run/secrets/NPM_TOKEN)"; export NPM_TOKEN' in argv[2]
    assert str(tmp_path) not in rendered.dockerfile  # the secret's file path stays out
    flags, rest = builder_flags(env_run)
    assert flags == []
    assert json.loads(rest)[3:] == ["sh", "python3", "-c", "import os; print(os.environ['MODE'])"]
    (health,) = lines_of(rendered, "HEALTHCHECK")
    assert health == (
        "--interval=15s --timeout=2.5s --start-period=90s --retries=4 "
        'CMD ["wget", "-qO-", "http://localhost:8080/health"]'
    )
    assert lines_of(rendered, "ENTRYPOINT") == ['["/sbin/tini", "--"]']
    assert lines_of(rendered, "CMD") == [
        '["/bin/sh", "-c", "exec app --config /etc/app/config.toml"]'
    ]
    (inline,) = rendered.context
    assert isinstance(inline.source, Inline)
    assert inline.source.content == b"[server]\nport = 8080\n"


# -- determinism ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOLDEN_PLANS))
def test_same_plan_renders_byte_identical(name: str, tmp_path: Path) -> None:
    plan = GOLDEN_PLANS[name](tmp_path)
    first = render(plan)
    second = render(plan)
    third = render(GOLDEN_PLANS[name](tmp_path))
    assert first.dockerfile.encode() == second.dockerfile.encode() == third.dockerfile.encode()
    assert first == second
    assert first.build_args == third.build_args
    assert first.vertices == third.vertices


def test_rendering_in_a_fresh_interpreter_gives_the_same_bytes(tmp_path: Path) -> None:
    # Hash randomisation and dict order must not leak into the output.
    script = (
        "import sys, pathlib\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_dockerfile import escaping_plan, multistage_plan\n"
        "from framework import render\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "sys.stdout.write(render(multistage_plan(p)).dockerfile)\n"
        "sys.stdout.write(render(escaping_plan(p)).dockerfile)\n"
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            env=env,
            capture_output=True,
            check=True,
            cwd=Path(__file__).parents[2],
        ).stdout
        outputs.append(out)
    expected = (
        render(multistage_plan(tmp_path)).dockerfile + render(escaping_plan(tmp_path)).dockerfile
    )
    assert outputs[0] == outputs[1] == expected.encode()


# -- context entries and vertices -----------------------------------------------------


def test_context_holds_only_what_copies_reference(tmp_path: Path) -> None:
    root = _write(tmp_path / "app", {"a.txt": "a", "b.txt": "b", "dir/c.txt": "c"})
    ctx = Context(root)
    source = ctx / "a.txt"
    image = (
        Image.from_("alpine")
        .copy(source, "/one")
        .copy(source, "/two")
        .copy(ctx / "dir", "/d")
        .copy(Inline("x"), "/x")
        .copy(Inline("x"), "/y")
    )
    rendered = render(compile(image))
    names = [e.name for e in rendered.context]
    assert len(names) == 4  # inline content is sent under each name it is copied to
    assert all(n.startswith("c-") and len(n) == 18 for n in names)
    a, d, x, y = rendered.context
    assert isinstance(a.source, ContextPath)
    assert a.source.path == "a.txt"
    assert isinstance(d.source, ContextPath)
    assert d.source.path == "dir"
    assert isinstance(x.source, Inline)
    assert (a.file_name, d.file_name, x.file_name, y.file_name) == ("a.txt", None, "x", "y")
    assert lines_of(rendered, "COPY") == [
        f'["{a.name}/a.txt", "/one"]',
        f'["{a.name}/a.txt", "/two"]',
        f'["{d.name}/", "/d/"]',
        f'["{x.name}/x", "/x"]',
        f'["{y.name}/y", "/y"]',
    ]


def test_file_copied_into_a_directory_keeps_its_name(tmp_path: Path) -> None:
    root = _write(tmp_path / "app", {"conf/app.toml": "x"})
    image = Image.from_("alpine").workdir("/etc").copy(Context(root) / "conf/app.toml", "./")
    rendered = render(compile(image))
    (entry,) = rendered.context
    assert lines_of(rendered, "COPY") == [f'["{entry.name}/app.toml", "./app.toml"]']


def test_same_path_in_contexts_with_other_patterns_are_other_entries(tmp_path: Path) -> None:
    root = _write(tmp_path / "app", {"src/a.py": "", "src/a.pyc": ""})
    image = (
        Image.from_("alpine")
        .copy(Context(root) / "src", "/all")
        .copy(Context(root, exclude=["*.pyc"]) / "src", "/py")
    )
    rendered = render(compile(image))
    assert len({e.name for e in rendered.context}) == 2


def test_vertices_map_buildkit_steps(tmp_path: Path) -> None:
    builder = Image.from_("golang:1.22").workdir("/src").run("go build").named("builder")
    image = (
        Image.from_("alpine")
        .env(A="1")
        .copy(builder / "/src/app", "/app")
        .user("app")
        .run("true")
        .cmd(["/app"])
    )
    rendered = render(compile(image))
    assert [(v.stage, v.index, v.step) for v in rendered.vertices] == [
        ("builder", 1, None),
        ("builder", 2, 0),
        ("builder", 3, 1),
        ("stage-1", 1, None),
        ("stage-1", 2, 1),
        ("stage-1", 3, 3),
    ]


def test_multiline_env_is_an_arg_named_like_it_and_a_later_run_starts_a_new_stage() -> None:
    first = Image.from_("alpine").env(A="x\ny").named("first")
    second = (
        Image.from_("alpine").copy(first / "/etc/x", "/x").env(C="3\r4").run(["true"]).env(D="d")
    )
    rendered = render(compile(second))
    assert rendered.build_args == (("A", "x\ny"), ("C", "3\r4"))
    first_block, *second_blocks = rendered.dockerfile.split("\n\n")
    assert "ARG A\nENV A=${A}" in first_block
    assert "FROM first AS" not in rendered.dockerfile  # nothing runs after A is set
    # The RUN after C starts a Dockerfile stage FROM the one that declared the ARG, so
    # BuildKit records no "|1 C=..." build-argument prefix in its history.
    assert second_blocks == [
        'FROM alpine AS stage-stage-1.1\nCOPY --from=first --chown=0:0 ["/etc/x", "/x"]\n'
        'ARG C\nENV C=${C}\nFROM stage-stage-1.1 AS stage-1\nRUN ["true"]\nENV D="d"\n'
    ]
    assert [(v.name, v.index, v.step) for v in rendered.vertices if v.stage == "stage-1"] == [
        ("stage-stage-1.1", 1, None),
        ("stage-stage-1.1", 2, 0),
        ("stage-1", 1, 2),  # FROM another stage: no FROM vertex
    ]


def test_one_variable_with_two_multiline_values_is_refused() -> None:
    first = Image.from_("alpine").env(A="x\ny").named("first")
    second = Image.from_("alpine").copy(first / "/etc/x", "/x").env(A="other\nvalue")
    with pytest.raises(SpecError, match="env A is given two different multi-line values"):
        render(compile(second))


def test_multiline_labels_are_the_targets_final_labels() -> None:
    base = Image.from_("alpine").label(a="1\n2", b="x\ny", c="k\nl")
    other = Image.from_("alpine").label(z="not\nin target").named("other")
    image = base.label(b="single").copy(other / "/etc/x", "/x").label(c="m\nn")
    rendered = render(compile(image))
    assert rendered.labels == (("a", "1\n2"), ("c", "m\nn"))
    assert "ARG" not in rendered.dockerfile
    assert 'LABEL "b"="single"' in rendered.dockerfile
    assert [line for line in rendered.dockerfile.splitlines() if line.startswith("LABEL")] == [
        'LABEL "b"="single"'
    ]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(30.0, "30s"), (2.5, "2.5s"), (0.001, "0.001s"), (90, "90s"), (1.25, "1.25s")],
)
def test_healthcheck_durations(seconds: float, text: str) -> None:
    image = Image.from_("alpine").healthcheck(["true"], interval=seconds, timeout=seconds)
    (line,) = lines_of(render(compile(image)), "HEALTHCHECK")
    assert line.startswith(f"--interval={text} --timeout={text} CMD ")


def test_healthcheck_none() -> None:
    rendered = render(compile(Image.from_("alpine").healthcheck(None)))
    assert rendered.dockerfile == "FROM alpine AS stage-0\nHEALTHCHECK NONE\n"


def test_scratch_and_cache_options() -> None:
    image = Image.scratch().copy(Inline("x"), "/x")
    assert lines_of(render(compile(image)), "FROM") == ["scratch AS stage-0"]
    mount = CacheMount(target="/var/cache/apt", id="apt-cache", sharing="private")
    (run,) = lines_of(render(compile(Image.from_("debian").run("apt", cache=mount))), "RUN")
    assert builder_flags(run)[0] == [
        "--mount=type=cache,target=/var/cache/apt,id=apt-cache,sharing=private"
    ]


# -- run_argv: what a run step executes ------------------------------------------------


def run_argv(step: Run) -> tuple[str, ...]:
    """The argv the plan lowers ``step`` to."""
    return exec_argv(step.argv, step.script, step.env, step.secrets)


TRICKY = 'it\'s $HOME `id` "q" \\ back\nnext line ${X} ünï'


PROBE = "import json, os, sys; print(json.dumps({'argv': sys.argv[1:], 'env': dict(os.environ)}))"


def _execute(argv: tuple[str, ...]) -> dict[str, object]:
    """Run ``argv`` on this machine (it has ``/bin/sh``); report the probe's argv and env."""
    out = subprocess.run(
        list(argv), capture_output=True, check=True, env={"PATH": os.environ["PATH"]}, text=True
    ).stdout
    result = json.loads(out)
    assert isinstance(result, dict)
    return result


def test_run_argv_without_env_is_the_argv_itself() -> None:
    step = Run(argv=("python3", "-c", "print(1)"))
    assert run_argv(step) == ("python3", "-c", "print(1)")
    assert run_argv(Run(script="echo $HOME")) == ("/bin/sh", "-c", "echo $HOME")


def test_run_argv_env_values_are_literal_in_exec_form() -> None:
    step = Run(argv=(sys.executable, "-c", PROBE, TRICKY, "$HOME", ""), env=(("V", TRICKY),))
    argv = run_argv(step)
    assert argv[0] == "/bin/sh"
    result = _execute(argv)
    assert result["argv"] == [TRICKY, "$HOME", ""]
    env = result["env"]
    assert isinstance(env, dict)
    assert env["V"] == TRICKY


def test_run_argv_env_values_are_literal_in_shell_form() -> None:
    step = Run(script='printf "%s" "$V"', env=(("V", TRICKY), ("W", "'")))
    argv = run_argv(step)
    out = subprocess.run(list(argv), capture_output=True, check=True, text=True).stdout
    assert out == TRICKY


# -- arbitrary values -----------------------------------------------------------------

_CHARS = st.characters(codec="utf-8", exclude_characters="\x00")
_PATH_CHARS = st.characters(codec="utf-8", exclude_characters="\x00\n\r")
INJECTIONS = [
    "\nRUN rm -rf /",
    "\r\nUSER root",
    "x\\\nRUN id",
    '"\nRUN id\n"',
    "--mount=type=bind,source=/,target=/host",
    "\\",
    "a\\",
    '\\"',
    "$HOME",
    "${HOME}",
    "$(id)",
    "' \" `",
    "# comment",
    "\u2028RUN x",
    "\x85\x0b\x0c",
    " ",
    "",
]
VALUES = st.one_of(st.text(_CHARS, max_size=30), st.sampled_from(INJECTIONS))


@settings(max_examples=200, deadline=None)
@given(
    env_values=st.lists(VALUES, min_size=1, max_size=3),
    label_values=st.lists(VALUES, min_size=1, max_size=3),
    argv=st.lists(VALUES, min_size=1, max_size=4),
    workdir=st.one_of(st.text(_PATH_CHARS, max_size=30), st.sampled_from(['a" b', "\\", "$x"])),
)
@example(
    env_values=["\nRUN rm -rf /"],
    label_values=["--mount=type=bind,target=/"],
    argv=["\nRUN rm -rf /", "--mount=type=secret,id=x"],
    workdir="x\\",
)
def test_arbitrary_values_render_exactly(
    env_values: list[str],
    label_values: list[str],
    argv: list[str],
    workdir: str,
    reliability: ReliabilityReport,
) -> None:
    env = {f"VAR_{i}": value for i, value in enumerate(env_values)}
    labels = {f"org.example.l{i}": value for i, value in enumerate(label_values)}
    image = Image.from_("alpine:3.19").workdir("/" + workdir).env(env).label(labels).run(argv)
    rendered = render(compile(image))

    found = instructions(rendered.dockerfile)
    kinds = [str(i["instruction"]) for i in found]
    single_labels = [(k, v) for k, v in labels.items() if "\n" not in v and "\r" not in v]
    multi_env = any("\n" in v or "\r" in v for v in env.values())
    assert [k for k in kinds if k != "ARG"] == [
        "FROM", "WORKDIR", "ENV", *(["LABEL"] if single_labels else []),
        *(["FROM"] if multi_env else []), "RUN",
    ]  # fmt: skip
    declared = [str(i["value"]) for i in found if i["instruction"] == "ARG"]
    assert declared == [name for name, _ in rendered.build_args]

    args = dict(rendered.build_args)
    values = {str(i["instruction"]): str(i["value"]) for i in found}
    assert process_word(values["WORKDIR"], args) == "/" + workdir
    assert name_values(values["ENV"], args) == list(env.items())
    shown = name_values(values["LABEL"], args) if single_labels else []
    assert shown + list(rendered.labels) == single_labels + [
        (k, v) for k, v in labels.items() if (k, v) not in single_labels
    ]
    flags, rest = builder_flags(values["RUN"])
    assert flags == []
    assert json.loads(rest) == argv
    reliability.tally(
        "injection", "generated env, label, argv and workdir values rendered and parsed back "
        "(dockerfile-parse) into exactly the intended instructions", "examples",
    )  # fmt: skip


# -- values that need care: refused, or rendered exactly --------------------------------


@pytest.mark.parametrize("key", ["a\nRUN touch /pwned", "a=b"])
def test_label_keys_that_no_label_line_can_hold_are_refused(key: str) -> None:
    with pytest.raises(SpecError, match="contains '=' or a control character"):
        Image.from_("alpine").label({key: "v"})


@pytest.mark.parametrize("key", ["org.example/key", "with space", 'q"uote', "$dollar", "ünï"])
def test_label_keys_render_exactly(key: str) -> None:
    rendered = render(compile(Image.from_("alpine").label({key: "v"})))
    found = instructions(rendered.dockerfile)
    assert [i["instruction"] for i in found if i["instruction"] != "ARG"] == ["FROM", "LABEL"]
    (label,) = lines_of(rendered, "LABEL")
    assert name_values(label, dict(rendered.build_args)) == [(key, "v")]


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda: Image.from_("alpine").run(["ls"], cache="/my cache"), id="cache-space"
        ),
        pytest.param(lambda: Image.from_("alpine").run(["ls"], cache="/it's"), id="cache-quote"),
        pytest.param(lambda: Image.from_("alpine").run(["ls"], cache="/a\tb"), id="cache-tab"),
        pytest.param(
            lambda: Image.from_("alpine").run(
                ["ls"], secrets=[Secret.env("T").as_file("/run/my secret")]
            ),
            id="secret-space",
        ),
    ],
)
def test_mount_targets_that_flags_cannot_carry_are_refused(build: Callable[[], Image]) -> None:
    with pytest.raises(SpecError, match="mount option cannot carry"):
        build()


@pytest.mark.parametrize("target", ["/root/.cache/pip", "/a/b-c_d.e+f@g~h:i"])
def test_mount_targets_survive_flag_parsing(target: str) -> None:
    rendered = render(compile(Image.from_("alpine").run(["ls"], cache=target)))
    (run,) = lines_of(rendered, "RUN")
    flags, rest = builder_flags(run)
    assert json.loads(rest) == ["ls"]
    (flag,) = flags
    assert flag.startswith("--mount=")
    fields = dict(f.split("=", 1) for f in flag.removeprefix("--mount=").split(","))
    assert fields["target"] == target


@pytest.mark.parametrize("dest", ["/srv/it's/app.toml", '/srv/"q"/app.toml'])
def test_copy_paths_with_quotes_render_exactly(dest: str) -> None:
    builder = Image.from_("alpine").run("true")
    image = Image.from_("alpine").copy(Inline("x"), dest).copy(builder / dest, dest)
    rendered = render(compile(image))
    for line in lines_of(rendered, "COPY"):
        _flags, rest = builder_flags(line)
        paths = [process_word(p, {}) for p in json.loads(rest)]
        assert paths[-1] == dest


@pytest.mark.parametrize("dest", ["/srv/a b/app.toml", "/srv/$x/app.toml", "/srv/a\\b/c"])
def test_copy_paths_with_spaces_dollars_and_backslashes(dest: str) -> None:
    builder = Image.from_("alpine").run("true")
    image = Image.from_("alpine").copy(Inline("x"), dest).copy(builder / dest, dest)
    rendered = render(compile(image))
    lines = lines_of(rendered, "COPY")
    assert len(lines) == 2
    for line in lines:
        _flags, rest = builder_flags(line)
        assert [process_word(p, {}) for p in json.loads(rest)][-1] == dest


def test_equal_sources_declared_on_different_lines_share_an_entry(tmp_path: Path) -> None:
    root = _write(tmp_path / "app", {"a.txt": "a"})
    one = Image.from_("alpine").copy(Context(root) / "a.txt", "/one")
    two = Image.from_("busybox").copy(Context(root) / "a.txt", "/two")
    rendered = render(compile(Image.from_(one).copy(two / "/two", "/three")))
    assert len(rendered.context) == 1
