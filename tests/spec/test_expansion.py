"""``env(..., expand=True)``: ``$NAME`` expands from the image's environment on every
engine; literal values stay literal, and warn when they name a variable the image sets."""

from __future__ import annotations

import warnings
from typing import Any

import anyio
import pytest
from dagger import dag

from framework import Image, compile
from framework.engines.dagger import DaggerMapping
from framework.errors import LiteralDollarWarning, SpecError
from framework.plan import EnvOp
from framework.render import render

BASE = Image.from_("python:3.11-slim")


def env_line(image: Image) -> str:
    (line,) = [x for x in render(compile(image)).dockerfile.splitlines() if x.startswith("ENV")]
    return line


def test_expanded_values_keep_their_references_for_buildkit() -> None:
    image = BASE.env(PATH="/venv/bin:$PATH", LIB="${HOME}/lib", expand=True)
    assert env_line(image) == 'ENV PATH="/venv/bin:$PATH" LIB="${HOME}/lib"'
    (step,) = compile(image).target.steps
    assert isinstance(step, EnvOp)
    assert step.expand is True


def test_literal_values_stay_escaped() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LiteralDollarWarning)
        image = BASE.env(PATH="/venv/bin:$PATH")
    assert env_line(image) == 'ENV PATH="/venv/bin:\\$PATH"'


def test_dagger_expands_the_same_values() -> None:
    async def is_directory(_container: Any, _path: str) -> bool:
        return False

    image = BASE.env(PATH="/venv/bin:$PATH", expand=True).env(MODE="x")
    plan = compile(image)
    mapping = DaggerMapping(dag, staged=str, is_directory=is_directory)
    containers = anyio.run(mapping.containers, plan)
    selections = [
        (f.name, dict(f.args)) for f in list(containers[plan.target.id]._ctx.selections)[2:]
    ]
    assert selections == [
        ("withEnvVariable", {"name": "PATH", "value": "/venv/bin:$PATH", "expand": True}),
        ("withEnvVariable", {"name": "MODE", "value": "x"}),  # expand off: Dagger's default
    ]


def test_expansion_is_part_of_what_a_step_means() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LiteralDollarWarning)
        literal = BASE.env(PATH="/venv/bin:$PATH")
    assert compile(literal).digest != compile(BASE.env(PATH="/venv/bin:$PATH", expand=True)).digest


@pytest.mark.parametrize("value", ["$$", "cost: $", "${A:-x}", "$(id)", "a\n$PATH"])
def test_forms_engines_disagree_on_are_refused(value: str) -> None:
    with pytest.raises(SpecError) as caught:
        BASE.env(V=value, expand=True)
    assert caught.value.where is not None
    assert "test_expansion.py" in caught.value.where


def test_a_literal_reference_to_a_variable_the_image_sets_warns_at_the_declaration() -> None:
    image = BASE.env(VENV="/venv")
    with pytest.warns(LiteralDollarWarning, match=r"\$VENV literally.*expand=True") as caught:
        image.env(BIN="${VENV}/bin")
    (warning,) = caught
    assert warning.filename.endswith("test_expansion.py")
    with pytest.warns(LiteralDollarWarning, match=r"\$PATH"):
        BASE.env(PATH="/venv/bin:$PATH")
    derived = Image.from_(image).run("true")
    with pytest.warns(LiteralDollarWarning):
        derived.env(BIN="$VENV/bin")


def test_no_warning_when_expanding_or_for_variables_the_image_does_not_set() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BASE.env(PATH="/venv/bin:$PATH", expand=True)
        BASE.env(PRICE="$5 and ${HOME} and $(id)")
