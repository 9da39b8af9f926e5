"""A step that prints a secret base64'd, hex'd or URL-encoded shows none of them."""

from __future__ import annotations

import base64
import io
import urllib.parse
import uuid

import pytest

from framework import BuildError, Image, PlainProgress, Secret, build
from tests.conftest import ReliabilityReport
from tests.e2e.conftest import Docker

PRINT_ENCODED = "; ".join(
    [
        "import base64, os, sys, urllib.parse",
        'v = os.environ["TOKEN"].encode()',
        'print("b64", base64.b64encode(v).decode())',
        'print("b64 embedded", base64.b64encode(b"user:" + v).decode())',
        'print("b64url", base64.urlsafe_b64encode(v).decode().rstrip("="))',
        'print("hex", v.hex(), v.hex().upper())',
        'print("url", urllib.parse.quote(v, safe=""), urllib.parse.quote_plus(v))',
        'print("wrapped", base64.encodebytes(v * 4).decode())',
        "sys.exit(7)",
    ]
)


def test_encoded_secret_never_shows_in_output_or_error(
    docker: Docker, monkeypatch: pytest.MonkeyPatch, reliability: ReliabilityReport
) -> None:
    value = f"tok/{uuid.uuid4().hex}+x y?z&"
    monkeypatch.setenv("WT_C_ENCODED_TOKEN", value)
    image = Image.from_("python:3.11-slim").run(
        ["python3", "-c", PRINT_ENCODED, uuid.uuid4().hex],
        secrets=[Secret.env("WT_C_ENCODED_TOKEN").as_env("TOKEN")],
    )
    log = io.StringIO()
    with pytest.raises(BuildError) as caught:
        build(image, tag=docker.tag("wt-c-redact"), progress=PlainProgress(log))
    raw = value.encode()
    forms = {
        "plain": value,
        "base64": base64.b64encode(raw).decode(),
        "base64 embedded": base64.b64encode(b"user:" + raw).decode()[8:-4],
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
        "url": urllib.parse.quote(value, safe=""),
        "url plus": urllib.parse.quote_plus(value),
    }
    error = str(caught.value)
    printed = log.getvalue()
    assert "b64 ***" in printed  # the step ran and its output was shown
    assert any("b64 ***" in line for line in caught.value.output_tail), error
    for name, form in forms.items():
        assert form not in printed, f"{name} form printed"
        assert form not in error, f"{name} form in the BuildError"
    wrapped = base64.encodebytes(raw * 4).decode().splitlines()
    for line in wrapped[:-1]:  # each full line of `base64`-style wrapped output
        assert line not in printed
    reliability.record(
        "secrets", "secret printed base64 (alone, embedded, URL-safe, wrapped), hex, URL-encoded",
        f"none of {len(forms) + len(wrapped) - 1} encoded forms in the progress log or the error",
    )  # fmt: skip
