"""The spec values' base (``framework.spec._base.Model``): frozen, strictly typed, fields by
name, validated on every construction path, compared by meaning, errors at the caller."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from pathlib import Path

import pytest

from framework import CacheMount, Image, Inline, Secret, SpecError
from framework.spec import (
    Copy,
    Env,
    Expose,
    Healthcheck,
    Origin,
    Run,
    SecretUse,
    StagePath,
    Workdir,
)
from framework.spec._base import Model
from tests.spec.conftest import REPLACE_REFUSAL

HERE = Path(__file__).name


def _line() -> int:
    frame = inspect.currentframe()
    assert frame is not None
    assert frame.f_back is not None
    return frame.f_back.f_lineno


def test_an_unknown_field_is_named_with_the_valid_ones() -> None:
    line = _line() + 2
    with pytest.raises(SpecError) as caught:
        CacheMount(target="/c", sharng="shared")  # type: ignore[call-arg]
    error = caught.value
    assert "CacheMount has no field 'sharng'" in error.problem
    assert "did you mean 'sharing'?" in error.fix
    assert "target, id, sharing, mode, uid, gid, scope" in error.fix
    assert error.where == f"{Path(__file__).relative_to(Path.cwd())}:{line}"


def test_positional_fields_are_refused_with_the_keyword_form() -> None:
    with pytest.raises(SpecError, match="SecretUse takes its fields by name") as caught:
        SecretUse(Secret.env("T"), "T")  # type: ignore[call-arg]
    assert caught.value.fix == "call SecretUse(secret=..., env=..., path=...)"


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: Run(script="x", network=1), "invalid run network: should be a bool, not int 1"),  # type: ignore[arg-type]
        (lambda: Run(script="x", network="no"), "invalid run network"),  # type: ignore[arg-type]
        (lambda: Expose(port=True), "invalid expose port: should be an int, not bool True"),
        (lambda: Expose(port="80"), "invalid expose port: should be an int, not str '80'"),  # type: ignore[arg-type]
        (lambda: Expose(port=80.0), "invalid expose port"),  # type: ignore[arg-type]
        (lambda: Expose(port=80, protocol="sctp"), "invalid expose protocol: should be 'tcp'"),  # type: ignore[arg-type]
        (lambda: Run(argv=("a", 1)), "invalid run argv"),  # type: ignore[arg-type]
        (lambda: Run(script=b"x"), "invalid run script"),  # type: ignore[arg-type]
        (lambda: Run(script="x", env=(("A", 1),)), "invalid run env"),  # type: ignore[arg-type]
        (lambda: Run(script="x", cache=("/c",)), "invalid run cache"),  # type: ignore[arg-type]
        (lambda: Env(values=(("A", "1"),), expand=0), "invalid env expand"),  # type: ignore[arg-type]
        (lambda: Healthcheck(interval="30"), "invalid healthcheck interval: should be a number"),  # type: ignore[arg-type]
        (lambda: Healthcheck(retries=True), "invalid healthcheck retries"),
        (lambda: Copy(source="app.py", dest="/x"), "invalid copy source"),  # type: ignore[arg-type]
        (lambda: StagePath(path="/x"), "invalid stagepath image: this field is required"),  # type: ignore[call-arg]
        (lambda: Origin(file="f.py", line="3"), "invalid origin line"),  # type: ignore[arg-type]
    ],
)
def test_field_types_are_strict(make: object, says: str) -> None:
    assert callable(make)
    with pytest.raises(SpecError) as caught:
        make()
    assert says in caught.value.problem
    assert caught.value.fix.startswith("pass a valid value for ")


def test_what_is_converted_is_only_lossless() -> None:
    step = Healthcheck(interval=30, retries=3)
    assert step.interval == 30.0
    assert isinstance(step.interval, float)
    run = Run(argv=["echo", "hi"])  # type: ignore[arg-type]
    assert run.argv == ("echo", "hi")


def test_values_are_frozen() -> None:
    mount = CacheMount(target="/c")
    with pytest.raises(dataclasses.FrozenInstanceError):
        mount.target = "/d"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del mount.id
    assert mount.target == "/c"


def test_replace_validates_again_and_refuses_computed_fields() -> None:
    step = Image.from_("alpine").workdir("/app").steps[0]
    assert isinstance(step, Workdir)
    with pytest.raises(SpecError, match="workdir is empty"):
        dataclasses.replace(step, path="")
    with pytest.raises(SpecError, match="invalid workdir path"):
        dataclasses.replace(step, path=5)  # type: ignore[arg-type]
    with pytest.raises(REPLACE_REFUSAL, match="init=False"):
        dataclasses.replace(step, kind="run")  # type: ignore[arg-type]
    moved = dataclasses.replace(step, path="/srv")
    assert moved.path == "/srv"
    assert moved.origin == step.origin
    mount = dataclasses.replace(CacheMount(target="/c"), sharing="shared")
    with pytest.raises(SpecError, match="invalid cachemount sharing"):
        dataclasses.replace(mount, sharing="everyone")  # type: ignore[arg-type]


def test_replace_reports_at_the_callers_line() -> None:
    secret = Secret.env("TOKEN")
    line = _line() + 2
    with pytest.raises(SpecError) as caught:
        dataclasses.replace(secret, id="not an id!")
    assert str(caught.value.where).endswith(f"{HERE}:{line}")


def test_equality_and_hash_leave_out_where_a_value_was_declared() -> None:
    first = Image.from_("alpine").run("make").steps[0]
    second = Image.from_("alpine").run("make").steps[0]
    assert isinstance(first, Run)
    assert first.origin != second.origin
    assert first == second
    assert hash(first) == hash(second)
    assert first != dataclasses.replace(first, network=False)
    assert Inline("x") == Inline(b"x")
    assert Inline("x") != Inline("y")
    assert "origin" not in repr(first)


def test_every_spec_value_is_a_model_and_none_has_pydantic_methods() -> None:
    for cls in (Run, Copy, Env, Expose, Healthcheck, StagePath, CacheMount, Secret, SecretUse):
        assert issubclass(cls, Model)
        assert dataclasses.is_dataclass(cls)
        assert not any(name.startswith("model_") for name in dir(cls))


def test_values_pickle_to_equal_values() -> None:
    step = Image.from_("alpine").run("make", cache="/c").steps[0]
    assert pickle.loads(pickle.dumps(step)) == step


def test_the_json_form_is_the_meaning() -> None:
    step = Run(script="make", cache=(CacheMount(target="/c", id="c"),), env=(("A", "1"),))
    assert step.as_json() == {
        "kind": "run",
        "argv": None,
        "script": "make",
        "env": [["A", "1"]],
        "cache": [
            {
                "target": "/c",
                "id": "c",
                "sharing": "shared",
                "mode": 0o755,
                "uid": 0,
                "gid": 0,
                "scope": step.cache[0].scope,
            }
        ],
        "secrets": [],
        "mounts": [],
        "network": True,
        "no_cache": False,
    }
    assert "origin" not in Image.from_("a").workdir("/w").steps[0].as_json()
