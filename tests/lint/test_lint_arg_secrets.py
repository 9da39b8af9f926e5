"""FW113: a build-time variable that looks like a secret (its value is in the history)."""

from __future__ import annotations

import json

from framework import Image
from framework.lint import RULES, lint

SLIM = "debian:bookworm-slim"


def _findings(image: Image) -> list[tuple[str, str, str | None]]:
    report = lint(image.user("1000:1000"), engine=False)
    return [(f.rule, f.message, f.step) for f in report.findings]


def test_fw113_secret_names_and_shapes_are_reported_without_their_values() -> None:
    value = "sk-live-4f9a8b7c6d5e"
    image = (
        Image.from_(SLIM)
        .arg(NPM_TOKEN=value, PIP_NO_CACHE_DIR="1")
        .arg(DB_PASSWORD=value)
        .arg(DEPLOY=f"-----BEGIN OPENSSH PRIVATE KEY-----{value}")
        .run("true")
    )
    report = lint(image.user("1000:1000"), engine=False)
    assert [f.rule for f in report.findings] == ["FW113"] * 3
    first = report.findings[0]
    assert first.message.startswith("arg NPM_TOKEN looks like a secret")
    assert first.step == "ARG NPM_TOKEN=... PIP_NO_CACHE_DIR=..."
    assert "Secret.env" in first.fix
    assert first.where is not None
    assert "test_lint_arg_secrets.py" in first.where
    printed = json.dumps([f.as_json() for f in report.findings]) + repr(report.findings)
    assert value not in printed


def test_fw113_leaves_plain_args_and_platform_variables_alone() -> None:
    image = (
        Image.from_(SLIM)
        .arg("TARGETARCH", PIP_INDEX_URL="https://pypi.org/simple", KEYBOARD="us", API_KEY="")
        .run("true")
    )
    assert _findings(image) == []


def test_fw113_is_a_rule_with_a_name_and_fix() -> None:
    rule = RULES["FW113"]
    assert rule.name == "secret-in-arg"
    assert "history" in rule.fix
