"""A ``--cache-from``/``cache_from`` reference is checked before the build: Docker skips a
malformed one silently, and the build would run without the cache that was asked for."""

from __future__ import annotations

import pytest

from framework import Image, SpecError, build
from framework.cli.main import main
from framework.progress import SilentProgress
from framework.spec.references import cache_source_problem

DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("127.0.0.1:5000/app:cache", None),
        ("ghcr.io/acme/app", None),
        (f"127.0.0.1:5000/app@{DIGEST}", None),
        (f"127.0.0.1:5000/app:cache@{DIGEST}", None),
        (f"@{DIGEST}", "names no image before '@'"),
        ("app@sha256:zz", "64 lowercase hex digits"),
        (f"app@{DIGEST.upper()}", "64 lowercase hex digits"),
        ("app@sha256:" + "a" * 63, "64 lowercase hex digits"),
        ("App:cache", "must be lowercase"),
        ("app:", "the part after ':'"),
        ("", "empty"),
    ],
)
def test_cache_source_grammar(reference: str, problem: str | None) -> None:
    found = cache_source_problem(reference)
    assert found is None if problem is None else problem in (found or "")


def test_build_refuses_a_malformed_cache_source_before_any_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    image = Image.from_("debian:bookworm-slim")
    with pytest.raises(SpecError, match="cache source '@sha256:zz' names no image"):
        build(image, cache_from=["@sha256:zz"], progress=SilentProgress())


def test_the_cli_refuses_it_as_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["build", "nonexistent.py", "--cache-from", "app@sha256:zz", "--json"])
    assert code == 2
    out, err = capsys.readouterr()
    assert "--cache-from: cache source 'app@sha256:zz'" in err
    assert '"kind": "usage"' in out
