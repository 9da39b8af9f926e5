"""Build-time variables in the plan: which steps see them, and what their digests cover."""

from __future__ import annotations

import pytest

from framework import Image, compile
from framework.errors import LiteralDollarWarning
from framework.plan import ArgOp, EnvOp, RunOp
from framework.plan.platform_args import fill_platform_args, platform_values

BASE = Image.from_("debian:bookworm-slim")


def _runs(image: Image) -> list[RunOp]:
    return [s for s in compile(image).target.steps if isinstance(s, RunOp)]


def test_runs_after_the_arg_see_it_and_runs_before_do_not() -> None:
    image = BASE.run("early").arg(V="1").run("late").arg(W="2").run(["later"])
    early, late, later = _runs(image)
    assert early.args == ()
    assert late.args == (("V", "1"),)
    assert later.args == (("V", "1"), ("W", "2"))
    # The value is not written into the command: the engine sets it for the step.
    assert late.argv == ("/bin/sh", "-c", "late")


def test_a_redeclared_arg_takes_the_new_value() -> None:
    (run,) = _runs(BASE.arg(V="1", W="w").arg(V="2").run("x"))
    assert run.args == (("W", "w"), ("V", "2"))


def test_an_image_built_from_this_one_inherits_its_args_as_buildkit_stages_do() -> None:
    parent = BASE.arg(V="1").run("in parent")
    child = Image.from_(parent).arg(W="2").run("in child")
    plan = compile(child)
    (parent_run,) = [s for s in plan.stages[0].steps if isinstance(s, RunOp)]
    (child_run,) = [s for s in plan.target.steps if isinstance(s, RunOp)]
    assert parent_run.args == (("V", "1"),)
    assert child_run.args == (("V", "1"), ("W", "2"))


def test_whichever_of_env_and_arg_sets_a_name_last_wins() -> None:
    env_last = _runs(BASE.arg(V="arg", W="w").env(V="env").run("x"))[0]
    arg_last = _runs(BASE.env(V="env").arg(V="arg").run("x"))[0]
    assert env_last.args == (("W", "w"),)  # the env's value: nothing to set on top
    assert arg_last.args == (("V", "arg"),)  # overrides the env for the step
    # An env in a stage built on this one also wins.
    child = Image.from_(BASE.arg(V="arg")).env(V="env").run("x")
    assert _runs(child)[0].args == ()


def test_an_expanded_env_gets_the_args_it_refers_to() -> None:
    with pytest.warns(LiteralDollarWarning):
        image = BASE.arg(V="1", W="2").env(A="$V/x", B="${W}", expand=True).env(C="$V")
    steps = [s for s in compile(image).target.steps if isinstance(s, EnvOp)]
    assert steps[0].args == (("V", "1"), ("W", "2"))
    assert steps[1].args == ()  # literal: nothing expands


def test_platform_variables_are_left_for_the_engine() -> None:
    image = BASE.arg("TARGETARCH").run("echo $TARGETARCH")
    (arg, run) = compile(image).target.steps
    assert isinstance(arg, ArgOp)
    assert arg.values == (("TARGETARCH", None),)
    assert isinstance(run, RunOp)
    assert run.args == (("TARGETARCH", None),)


def _digests(image: Image) -> tuple[str, ...]:
    plan = compile(image)
    return plan.step_digests[plan.target.id]


def test_a_changed_value_changes_the_digests_from_the_arg_on_only() -> None:
    def image(value: str) -> Image:
        return BASE.workdir("/w").arg(V=value).run("a").run("b")

    one, two = _digests(image("1")), _digests(image("2"))
    # base, workdir: the same; arg, run a, run b: all changed.
    assert one[:2] == two[:2]
    assert all(x != y for x, y in zip(one[2:], two[2:], strict=True))
    assert compile(image("1")).target.id != compile(image("2")).target.id


def test_a_run_that_sees_the_arg_differs_from_the_same_run_without_it() -> None:
    with_arg = _runs(BASE.arg(V="1").run("x"))[0]
    without = _runs(BASE.run("x"))[0]
    assert with_arg.argv == without.argv
    assert with_arg.args != without.args


def test_a_changed_value_in_a_parent_changes_the_childs_run() -> None:
    def child_run(value: str) -> RunOp:
        parent = BASE.arg(V=value).run("p")
        (run,) = compile(Image.from_(parent).run("c")).target.steps
        assert isinstance(run, RunOp)
        return run

    assert child_run("1").args == (("V", "1"),)
    assert child_run("2").args == (("V", "2"),)


def test_a_step_that_sees_no_args_keeps_the_digest_it_had_before_args_existed() -> None:
    # As pinned in tests/plan/test_compile.py: args enter a step's digest only when set.
    digest = compile(Image.from_("alpine:3.19").run(["echo", "hi"])).digest
    assert digest == "sha256:6a087e76eb8ba481e2d7c853b670d58bbeb7a96fa1dee2ab0c5726f568d0d472"


def test_platform_values_follow_buildkit() -> None:
    values = platform_values("linux/arm/v7", "linux/amd64")
    assert values == {
        "TARGETPLATFORM": "linux/arm/v7",
        "TARGETOS": "linux",
        "TARGETARCH": "arm",
        "TARGETVARIANT": "v7",
        "BUILDPLATFORM": "linux/amd64",
        "BUILDOS": "linux",
        "BUILDARCH": "amd64",
        "BUILDVARIANT": "",
    }
    assert platform_values("linux/arm64/v8", "linux/amd64")["TARGETPLATFORM"] == "linux/arm64"
    filled = fill_platform_args((("TARGETARCH", None), ("V", "x")), "linux/arm64", "linux/amd64")
    assert filled == (("TARGETARCH", "arm64"), ("V", "x"))
