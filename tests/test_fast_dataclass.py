"""``framework._dataclass.dataclass`` behaves as :func:`dataclasses.dataclass` for the
options the framework uses: each shape is defined both ways and compared."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from framework._dataclass import dataclass as fast_dataclass

_BOTH = [dataclasses.dataclass, fast_dataclass]


def _shapes(decorate: Callable[..., Any]) -> dict[str, Any]:
    @decorate(frozen=True)
    class Op:
        argv: tuple[str, ...]
        command: str
        cache: tuple[int, ...] = ()
        tags: list[str] = dataclasses.field(default_factory=list, compare=False)
        hidden: int = dataclasses.field(default=0, repr=False)
        origin: str | None = dataclasses.field(default=None, compare=False)
        KIND: ClassVar[str] = "op"

    @decorate(frozen=True, kw_only=True)
    class Keyed:
        name: str
        size: int = 1

    @decorate
    class Mutable:
        items: list[int] = dataclasses.field(default_factory=list)
        total: int = dataclasses.field(init=False, default=0)

        def __post_init__(self) -> None:
            self.total = sum(self.items)

    @decorate(frozen=True)
    class Child(Op):
        extra: int = 5

    return {"Op": Op, "Keyed": Keyed, "Mutable": Mutable, "Child": Child}


STD, FAST = _shapes(dataclasses.dataclass), _shapes(fast_dataclass)


def _pair(name: str) -> tuple[Any, Any]:
    return STD[name], FAST[name]


def test_construction_equality_hash_and_repr_match_the_standard() -> None:
    for std, fast in (_pair("Op"), _pair("Child")):
        a, b = fast(("ls",), "ls", (1,), ["x"], 3, "here"), fast(("ls",), "ls", (1,), [], 3)
        assert a == b  # compare=False fields are left out
        assert hash(a) == hash(b)
        assert a != fast(("ls",), "other")
        assert (
            repr(a).split("(", 1)[1]
            == repr(std(("ls",), "ls", (1,), ["x"], 3, "here")).split("(", 1)[1]
        )
        assert "hidden" not in repr(a)
        assert a.tags == ["x"]
        assert b.tags == []
        assert a.KIND == "op"
        assert fast(("a",), "a").tags is not fast(("a",), "a").tags  # a factory per value
    child = FAST["Child"](("a",), "a", extra=7)
    assert child.extra == 7
    assert child != FAST["Op"](("a",), "a")  # another class: never equal


def test_frozen_values_refuse_assignment_and_deletion() -> None:
    value = FAST["Op"](("ls",), "ls")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.command = "x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del value.command


def test_wrong_arguments_raise_type_error_as_the_standard_does() -> None:
    for std, fast in (_pair("Op"), _pair("Keyed")):
        for args, kwargs in (((), {}), ((1, 2, 3, 4, 5, 6, 7), {}), ((), {"nope": 1})):
            with pytest.raises(TypeError):
                std(*args, **kwargs)
            with pytest.raises(TypeError):
                fast(*args, **kwargs)
    with pytest.raises(TypeError):
        FAST["Keyed"]("positional")
    assert FAST["Keyed"](name="n") == FAST["Keyed"](name="n", size=1)


def test_mutable_classes_assign_run_post_init_and_are_unhashable() -> None:
    value = FAST["Mutable"]([1, 2])
    assert value.total == 3
    value.items = [5]
    assert value.items == [5]
    with pytest.raises(TypeError):
        hash(value)
    assert STD["Mutable"].__hash__ is None
    assert FAST["Mutable"].__hash__ is None


def test_the_dataclasses_functions_and_match_work() -> None:
    value = FAST["Op"](("ls",), "ls", origin="f.py:3")
    assert [f.name for f in dataclasses.fields(value)] == [
        f.name for f in dataclasses.fields(STD["Op"])
    ]
    changed = dataclasses.replace(value, command="dir")
    assert changed.command == "dir"
    assert changed.origin == "f.py:3"
    assert dataclasses.asdict(value)["argv"] == ("ls",)
    assert dataclasses.is_dataclass(value)
    assert FAST["Op"].__match_args__ == STD["Op"].__match_args__
    op = FAST["Op"]
    match value:
        case op(argv, command):
            assert (argv, command) == (("ls",), "ls")
        case _:
            raise AssertionError("no match")
    assert copy.deepcopy(value) == value


@fast_dataclass(frozen=True)
class Typed:
    """A module-level class: its constructor is typed for mypy (dataclass_transform)."""

    count: int
    name: str = "x"


def test_module_level_values_pickle_and_type_check() -> None:
    value = Typed(2)
    assert (value.count, value.name) == (2, "x")
    assert pickle.loads(pickle.dumps(value)) == value


def test_init_is_compiled_once_per_class_on_first_use() -> None:
    @fast_dataclass(frozen=True)
    class Late:
        a: int

    first = Late.__dict__["__init__"]
    Late(1)
    compiled = Late.__dict__["__init__"]
    assert compiled is not first
    Late(2)
    assert Late.__dict__["__init__"] is compiled


def test_an_undocumented_class_is_documented_by_its_fields() -> None:
    @fast_dataclass(frozen=True)
    class Bare:
        a: int
        b: str = ""

    assert Bare.__doc__ == "Bare(a, b)"
