"""Pipeline parameters given as text (``--port 8080``, ``FRAMEWORK_PARAM_PORT``) are
converted to the function's annotations (by pydantic); a value that does not fit is a UsageError
naming the parameter, the value and how to pass it."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any, Literal

import pytest

from framework import Context, Image, UsageError
from framework.cli.params import resolve_arguments
from framework.cli.targets import Pipeline


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


def typed(  # noqa: PLR0917
    port: int = 80,
    ratio: float = 1.0,
    debug: bool = False,
    name: str = "app",
    tags: list[str] | None = None,
    ports: tuple[int, ...] = (),
    pair: tuple[int, str] = (0, ""),
    mode: Literal["dev", "prod"] = "dev",
    colour: Colour = Colour.RED,
    out: Path = Path("out"),
    limit: int | None = None,
    extra: dict[str, Any] | None = None,
    raw: Any = None,
) -> Image:
    return Image.from_("alpine")


PIPELINE = Pipeline("typed", "test", typed)


def _one(name: str, raw: str) -> object:
    return resolve_arguments(PIPELINE, {name: raw}, environ={})[name]


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("port", "8080", 8080),
        ("port", " 8080 ", 8080),
        ("ratio", "0.5", 0.5),
        ("ratio", "2", 2.0),
        ("debug", "true", True),
        ("debug", "Yes", True),
        ("debug", "0", False),
        ("debug", "off", False),
        ("name", " spaced ", " spaced "),
        ("tags", "a,b", ["a", "b"]),
        ("tags", '["a,b", "c"]', ["a,b", "c"]),
        ("tags", "none", None),
        ("ports", "80,443", (80, 443)),
        ("ports", "[80, 443]", (80, 443)),
        ("pair", "1,x", (1, "x")),
        ("mode", "prod", "prod"),
        ("colour", "blue", Colour.BLUE),
        ("out", "build/x", Path("build/x")),
        ("limit", "", None),
        ("limit", "7", 7),
        ("extra", '{"a": [1]}', {"a": [1]}),
        ("raw", "anything", "anything"),
    ],
)
def test_values_are_converted_to_the_annotation(name: str, raw: str, value: object) -> None:
    converted = _one(name, raw)
    assert converted == value
    assert type(converted) is type(value)


@pytest.mark.parametrize(
    ("name", "raw", "says"),
    [
        ("port", "abc", "should be a valid integer"),
        ("port", "8.5", "should be a valid integer"),
        ("ratio", "fast", "should be a valid number"),
        ("debug", "maybe", "should be a valid boolean"),
        ("ports", "80,x", "should be a valid integer"),
        ("pair", "1,x,2", "at most 2 items"),
        ("mode", "test", "should be 'dev' or 'prod'"),
        ("colour", "green", "should be 'red' or 'blue'"),
        ("limit", "lots", "should be a valid integer"),
        ("extra", "[1]", "should be an object"),
        ("extra", "{bad", "Invalid JSON"),
    ],
)
def test_a_value_that_does_not_fit_is_a_usage_error(name: str, raw: str, says: str) -> None:
    with pytest.raises(UsageError) as caught:
        _one(name, raw)
    assert caught.value.problem.startswith(f"parameter {name!r} got {raw!r}: ")
    assert says in caught.value.problem
    assert caught.value.fix is not None
    assert f"--{name}" in caught.value.fix
    assert f"FRAMEWORK_PARAM_{name.upper()}" in caught.value.fix


def test_the_environment_is_read_and_an_option_wins() -> None:
    environ = {"FRAMEWORK_PARAM_PORT": "81"}
    assert resolve_arguments(PIPELINE, {}, environ)["port"] == 81
    assert resolve_arguments(PIPELINE, {"port": "82"}, environ)["port"] == 82
    assert "port" not in resolve_arguments(PIPELINE, {}, {})


def test_a_context_parameter_is_a_context(tmp_path: Path) -> None:
    def with_context(app: Context) -> Image:
        return Image.from_("alpine")

    pipeline = Pipeline("ctx", "test", with_context)
    value = resolve_arguments(pipeline, {"app": str(tmp_path)}, {})["app"]
    assert isinstance(value, Context)
    assert value.path == tmp_path.resolve()
    with pytest.raises(UsageError, match="parameter 'app': context directory"):
        resolve_arguments(pipeline, {"app": str(tmp_path / "missing")}, {})
    with pytest.raises(UsageError, match="needs the parameter 'app'"):
        resolve_arguments(pipeline, {}, {})
