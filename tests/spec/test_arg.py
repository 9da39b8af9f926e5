"""``Image.arg``: build-time variables (Docker's ARG), validated when declared."""

from __future__ import annotations

import pytest

from framework import Image, SpecError
from framework.spec import Arg

BASE = Image.from_("debian:bookworm-slim")


def test_values_and_platform_names_become_one_arg_step_in_call_order() -> None:
    image = BASE.arg("TARGETARCH", "BUILDPLATFORM", PIP_NO_CACHE_DIR="1", V="a b")
    (step,) = image.steps
    assert isinstance(step, Arg)
    assert step.values == (
        ("TARGETARCH", None),
        ("BUILDPLATFORM", None),
        ("PIP_NO_CACHE_DIR", "1"),
        ("V", "a b"),
    )


def test_a_name_without_a_value_must_be_a_platform_variable() -> None:
    with pytest.raises(SpecError) as caught:
        BASE.arg("PYTHON_VERSION")
    assert "'PYTHON_VERSION' has no value" in str(caught.value)
    assert "TARGETARCH" in caught.value.fix
    assert caught.value.where is not None
    assert "test_arg.py" in caught.value.where


def test_an_empty_call_is_refused() -> None:
    with pytest.raises(SpecError, match="arg got no variables"):
        BASE.arg()


@pytest.mark.parametrize("name", ["1X", "A-B", "", "A B"])
def test_names_must_be_variable_names(name: str) -> None:
    with pytest.raises(SpecError, match="build-time variable name"):
        BASE.arg(**{name: "v"})


def test_values_must_be_strings() -> None:
    with pytest.raises(SpecError, match="arg value for 'N' is int") as caught:
        BASE.arg(N=3)  # type: ignore[arg-type]
    assert caught.value.fix == "convert it: N=str(value)"


def test_a_name_must_be_a_string() -> None:
    with pytest.raises(SpecError, match="got a int as a name"):
        BASE.arg(3)  # type: ignore[arg-type]


def test_a_name_given_twice_is_refused() -> None:
    with pytest.raises(SpecError, match="both by name and with a value"):
        BASE.arg("TARGETARCH", TARGETARCH="amd64")


def test_a_platform_variable_may_be_given_a_value() -> None:
    (step,) = BASE.arg(TARGETARCH="arm64").steps
    assert isinstance(step, Arg)
    assert step.values == (("TARGETARCH", "arm64"),)


@pytest.mark.parametrize("value", ["a\nb", "a\rb"])
def test_a_line_break_is_refused(value: str) -> None:
    with pytest.raises(SpecError, match="line break"):
        BASE.arg(V=value)


def test_arg_is_a_verb_and_no_longer_suggests_env() -> None:
    assert "arg" in dir(Image)
    image = BASE.arg(A="1")
    assert image != BASE.arg(A="2")
    assert image == BASE.arg(A="1")


def test_a_literal_env_value_naming_an_arg_warns_as_for_an_env_variable() -> None:
    from framework.errors import LiteralDollarWarning

    with pytest.warns(LiteralDollarWarning, match=r"keeps \$VERSION literally"):
        BASE.arg(VERSION="1").env(TAG="v$VERSION")
    child = Image.from_(BASE.arg(VERSION="1"))  # inherited, as the value is
    with pytest.warns(LiteralDollarWarning):
        child.env(TAG="v$VERSION")
