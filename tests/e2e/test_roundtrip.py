"""Arbitrary strings survive env, label, run argv and file content through a real build."""

from __future__ import annotations

import json
import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framework import Image, Inline, SilentProgress, build
from framework.errors import LiteralDollarWarning
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker

# Strings a Dockerfile could misread: quotes, $, backslashes, newlines, unicode, flags.
TRICKY = [
    "say \"hi\" 'there'",
    "$HOME ${PATH} $(id) `id`",
    "back\\slash\\\\ \\n \\",
    "line one\nline two\r\n",
    "ünïcödé ☃ 𝄞 中文",
    "--mount=type=secret,id=x",
    "\nRUN touch /pwned",
    "# not a comment",
    "   leading and trailing   ",
    "",
]

text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    max_size=40,
)


def _roundtrip(docker: Docker, values: list[str], reliability: ReliabilityReport) -> None:
    env = {f"V{i}": v for i, v in enumerate(values)}
    labels = {f"test.label{i}": v for i, v in enumerate(values)}
    with warnings.catch_warnings():
        # Literal values are the point here ("$PATH" among them): no LiteralDollarWarning.
        warnings.simplefilter("ignore", LiteralDollarWarning)
        with_env = Image.from_("python:3.11-slim").env(env)
    image = with_env.label(labels).run(
        [
            "python3",
            "-c",
            "import json,sys; json.dump(sys.argv[1:], open('/argv.json','w'))",
            *values,
        ]
    )
    for i, value in enumerate(values):
        image = image.copy(Inline(value), f"/files/{i}.txt")
    tag = docker.tag("roundtrip")
    build(image, tag=tag, progress=SilentProgress())
    config = docker.inspect(tag)["Config"]
    assert isinstance(config, dict)
    got_env = dict(item.split("=", 1) for item in config["Env"])
    for name, value in env.items():
        assert got_env[name] == value, name
    for key, value in labels.items():
        assert config["Labels"][key] == value, key
    assert json.loads(docker.run(tag, "cat", "/argv.json")) == values
    script = (
        "import json, pathlib; print(json.dumps("
        f"[pathlib.Path(f'/files/{{i}}.txt').read_bytes().hex() for i in range({len(values)})]))"
    )
    files = json.loads(docker.run(tag, "python3", "-c", script))
    assert files == [value.encode().hex() for value in values]  # byte for byte
    reliability.tally(
        "injection", "strings built into a real image as env, label, run argv and file "
        "content, read back byte for byte", "strings",
        count=len(values),
    )  # fmt: skip


def test_tricky_strings_roundtrip(docker: Docker, reliability: ReliabilityReport) -> None:
    _roundtrip(docker, TRICKY, reliability)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(values=st.lists(text, min_size=4, max_size=6))
def test_arbitrary_strings_roundtrip(
    docker: Docker, values: list[str], reliability: ReliabilityReport
) -> None:
    _roundtrip(docker, values, reliability)


# File names a Dockerfile could misread; no '/', NUL or line breaks (paths cannot hold them).
NAMES = ["it's", 'say "hi"', "$HOME", "${x}", "back\\slash", "a b", "ünï ☃", "-rf", "*?[x]"]


def test_tricky_file_names_roundtrip(docker: Docker, reliability: ReliabilityReport) -> None:
    builder = Image.from_("debian:bookworm-slim")
    for i, name in enumerate(NAMES):
        builder = builder.copy(Inline(f"{i}"), f"/src/{name}")
    image = Image.from_("python:3.11-slim").workdir("/w/it's $dir").copy(builder / "/src", "/dst")
    for name in NAMES:
        image = image.copy(builder / f"/src/{name}" if "*" not in name else Inline("x"), f"{name}")
    tag = docker.tag("names")
    build(image, tag=tag, progress=SilentProgress())
    script = (
        "import json, os;"
        "print(json.dumps([os.getcwd(), sorted(os.listdir('.')), sorted(os.listdir('/dst'))]))"
    )
    cwd, here, copied = json.loads(docker.run(tag, "python3", "-c", script))
    assert cwd == "/w/it's $dir"
    assert here == sorted(NAMES)
    assert copied == sorted(NAMES)
    reliability.tally(
        "injection", "file names with quotes, $, backslashes, spaces, unicode, globs and "
        "leading dashes copied in and listed back", "names", count=len(NAMES),
    )  # fmt: skip
