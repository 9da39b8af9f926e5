"""Healthcheck: only options given are set, shell form is CMD-SHELL, bad types are SpecErrors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from framework import Image, SpecError, compile, render
from framework.spec import Healthcheck
from tests.engines.test_dagger_mapping import mapped


def _line(image: Image) -> str:
    (line,) = [
        line for line in render(compile(image)).dockerfile.splitlines() if "HEALTHCHECK" in line
    ]
    return line


def test_defaults_render_no_options() -> None:
    # Docker 20.10 refuses an explicit --start-period=0s: nothing given, nothing written.
    image = Image.from_("alpine").healthcheck(["/bin/check", "--quick"])
    assert _line(image) == 'HEALTHCHECK CMD ["/bin/check", "--quick"]'


def test_shell_form_renders_cmd_shell() -> None:
    image = Image.from_("alpine").healthcheck("  curl -f http://localhost/ || exit 1 ")
    assert _line(image) == "HEALTHCHECK CMD curl -f http://localhost/ || exit 1"


def test_only_given_options_are_rendered() -> None:
    image = Image.from_("alpine").healthcheck(["x"], start_period=2, retries=5)
    assert _line(image) == 'HEALTHCHECK --start-period=2s --retries=5 CMD ["x"]'
    image = Image.from_("alpine").healthcheck("x", interval=timedelta(milliseconds=1500))
    assert _line(image) == "HEALTHCHECK --interval=1.5s CMD x"


@pytest.mark.parametrize("value", [None, 0.001, 1, 2.5, timedelta(seconds=3)])
def test_durations_accept_none_numbers_and_timedelta(value: Any) -> None:
    (step,) = Image.from_("alpine").healthcheck(["x"], start_period=value).steps
    assert isinstance(step, Healthcheck)
    expected = value.total_seconds() if isinstance(value, timedelta) else value
    assert step.start_period == expected


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"start_period": "5s"}, "healthcheck start_period is str, not a number of seconds"),
        ({"interval": True}, "healthcheck interval is bool"),
        ({"timeout": [1]}, "healthcheck timeout is list"),
        ({"retries": 2.5}, "healthcheck retries is float, not an int"),
        ({"retries": "3"}, "healthcheck retries is str"),
        ({"start_period": 0}, "healthcheck start_period 0.0s is too small"),
        ({"interval": float("nan")}, "healthcheck interval nans is too small"),
    ],
)
def test_bad_option_types_are_spec_errors_at_the_call(
    options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(SpecError) as caught:
        Image.from_("alpine").healthcheck(["x"], **options)
    assert problem in caught.value.problem
    assert caught.value.where is not None
    assert caught.value.where.startswith("tests/spec/test_healthcheck.py:")


@pytest.mark.parametrize(
    ("script", "problem"),
    [
        ("check\nsecond", "must be one line"),
        ("check \\", "must be one line"),
        ('["a", "b"]', "is a JSON list"),
        ("   ", "empty command"),
    ],
)
def test_shell_form_that_a_dockerfile_cannot_hold_is_refused(script: str, problem: str) -> None:
    with pytest.raises(SpecError, match=problem):
        Image.from_("alpine").healthcheck(script)


def test_shell_test_bracket_is_shell_form() -> None:
    assert _line(Image.from_("alpine").healthcheck("[ -f /ok ]")) == "HEALTHCHECK CMD [ -f /ok ]"


def test_dagger_mapping_sets_only_given_options_and_shell() -> None:
    image = Image.from_("alpine").healthcheck("test -f /ok", timeout=2)
    assert mapped(image)[-1] == (
        "withDockerHealthcheck",
        {"args": ["test -f /ok"], "shell": True, "timeout": "2s"},
    )
    assert mapped(Image.from_("alpine").healthcheck(["/bin/check"]))[-1] == (
        "withDockerHealthcheck",
        {"args": ["/bin/check"]},
    )
