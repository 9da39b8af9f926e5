"""Base image references as BuildKit names them in its metadata vertices."""

from __future__ import annotations

import pytest

from framework.spec.references import normalise


@pytest.mark.parametrize(
    ("reference", "named"),
    [
        ("pyhton:3.11-slim", "docker.io/library/pyhton:3.11-slim"),
        ("debian", "docker.io/library/debian:latest"),
        ("acme/app:1", "docker.io/acme/app:1"),
        ("127.0.0.1:5000/app", "127.0.0.1:5000/app:latest"),
        ("localhost/app:2", "localhost/app:2"),
        ("ghcr.io/acme/app@sha256:" + "a" * 64, "ghcr.io/acme/app@sha256:" + "a" * 64),
    ],
)
def test_normalise(reference: str, named: str) -> None:
    assert normalise(reference) == named
