"""Healthcheck values Docker cannot parse are refused when the image is declared, with
the pipeline's line, instead of by the daemon as a "dockerfile parse error line N"."""

from __future__ import annotations

import re
from typing import Any

import pytest

from framework import Image, SpecError

BASE = Image.from_("debian:bookworm-slim")


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"interval": float("inf")}, "interval infs is too large"),
        ({"timeout": 1e20}, "timeout 1e+20s is too large"),
        ({"start_period": 9_460_800_000}, "start_period 9460800000.0s is too large"),
        ({"retries": 2**31}, "retries 2147483648 is too large"),
        ({"interval": float("nan")}, "interval nans is too small"),
    ],
)
def test_out_of_range_values_are_refused_at_the_pipeline_line(
    options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(SpecError, match=re.escape(problem)) as caught:
        BASE.healthcheck("true", **options)
    assert "test_healthcheck_limits.py:" in (caught.value.where or "")


@pytest.mark.parametrize(
    "options", [{"interval": 9_223_372_036}, {"retries": 2**31 - 1}, {"timeout": 0.001}]
)
def test_the_largest_values_docker_parses_are_accepted(options: dict[str, Any]) -> None:
    BASE.healthcheck("true", **options)
