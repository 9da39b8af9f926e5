"""volume, stopsignal and shell: validation (problem, place, fix) and how the plan lowers
them; the Dagger mapping refuses them with the reason."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from framework import Image, SpecError, compile
from framework.engines.dagger import Unsupported
from framework.plan import CmdOp, EntrypointOp, RunOp, ShellOp, StopSignalOp, VolumeOp
from framework.plan.describe import describe_step
from framework.plan.digest import step_digests
from framework.spec import Cmd, Entrypoint, StopSignal, Volume
from framework.spec.steps import is_signal
from tests.engines.test_dagger_mapping import mapped

BASE = Image.from_("debian:bookworm-slim")


def _line() -> int:
    frame = inspect.currentframe()
    assert frame is not None
    assert frame.f_back is not None
    return frame.f_back.f_lineno


# -- volume -------------------------------------------------------------------------


def test_volume_paths_resolve_against_the_workdir_like_a_copy_destination() -> None:
    image = BASE.workdir("/srv").volume("/data", "cache", "../logs")
    (volume,) = [s for s in image.steps if isinstance(s, Volume)]
    assert volume.paths == ("/data", "cache", "../logs")
    op = compile(image).target.steps[-1]
    assert isinstance(op, VolumeOp)
    assert op.paths == ("/data", "/srv/cache", "/logs")
    assert op.written == ("/data", "cache", "../logs")
    assert describe_step(compile(image), op) == 'VOLUME ["/data", "cache", "../logs"]'


def test_a_volume_without_workdir_resolves_against_root() -> None:
    op = compile(BASE.volume("data")).target.steps[-1]
    assert isinstance(op, VolumeOp)
    assert op.paths == ("/data",)


@pytest.mark.parametrize(
    ("paths", "problem", "fix"),
    [
        ((), "volume got no paths", "give at least one path"),
        (("",), "volume path is empty", "give a path for volume path"),
        (("/a\nb",), "contains a NUL or line break", "without control characters"),
    ],
)
def test_bad_volume_paths_are_refused_with_place_and_fix(
    paths: tuple[str, ...], problem: str, fix: str
) -> None:
    line = _line() + 2
    with pytest.raises(SpecError) as caught:
        BASE.volume(*paths)
    assert problem in caught.value.problem
    assert fix in caught.value.fix
    assert caught.value.where is not None
    assert caught.value.where.endswith(f"test_instructions_more.py:{line}")


def test_a_volume_changes_the_step_digest() -> None:
    one = step_digests(compile(BASE.volume("/a")))
    two = step_digests(compile(BASE.volume("/b")))
    assert one != two


# -- stopsignal ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("SIGTERM", "SIGTERM"),
        ("TERM", "TERM"),
        ("sigusr1", "sigusr1"),
        ("SIGRTMIN+3", "SIGRTMIN+3"),
        ("rtmax-2", "rtmax-2"),
        ("9", "9"),
        (15, "15"),
        ("064", "064"),
    ],
)
def test_stop_signals_docker_parses_are_stored_as_given(given: str | int, stored: str) -> None:
    (step,) = BASE.stopsignal(given).steps
    assert isinstance(step, StopSignal)
    assert step.signal == stored
    op = compile(BASE.stopsignal(given)).target.steps[-1]
    assert isinstance(op, StopSignalOp)
    assert op.signal == stored


@pytest.mark.parametrize("bad", ["SIGFOO", "", "0", "65", "-9", "SIG", "RTMIN+16", "TERM "])
def test_unknown_stop_signals_are_refused_with_place_and_fix(bad: str) -> None:
    assert not is_signal(bad)
    line = _line() + 2
    with pytest.raises(SpecError) as caught:
        BASE.stopsignal(bad)
    assert f"stop signal {bad!r} is not a signal Docker knows" in caught.value.problem
    assert "SIGTERM" in caught.value.fix
    assert caught.value.where is not None
    assert caught.value.where.endswith(f"test_instructions_more.py:{line}")


def test_a_stop_signal_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(SpecError, match="signal"):
        BASE.stopsignal(True)  # a bool is an int to the type checker, not to Docker


# -- shell --------------------------------------------------------------------------


def test_shell_lowers_later_string_commands_and_leaves_exec_form_alone() -> None:
    image = (
        BASE.run("echo before")
        .shell(["/bin/bash", "-c"])
        .run("echo $BASH_VERSION")
        .run(["echo", "exec"])
        .entrypoint("exec app")
        .cmd("serve")
    )
    before, shell, bash_run, exec_run, entry, cmd = compile(image).target.steps
    assert isinstance(before, RunOp)
    assert before.argv == ("/bin/sh", "-c", "echo before")
    assert isinstance(shell, ShellOp)
    assert shell.argv == ("/bin/bash", "-c")
    assert isinstance(bash_run, RunOp)
    assert bash_run.argv == ("/bin/bash", "-c", "echo $BASH_VERSION")
    assert bash_run.command == "echo $BASH_VERSION"
    assert isinstance(exec_run, RunOp)
    assert exec_run.argv == ("echo", "exec")
    assert isinstance(entry, EntrypointOp)
    assert entry.argv == ("/bin/bash", "-c", "exec app")
    assert isinstance(cmd, CmdOp)
    assert cmd.argv == ("/bin/bash", "-c", "serve")


def test_a_run_with_env_under_another_shell_keeps_the_sh_prelude_and_execs_the_shell() -> None:
    image = BASE.shell(["/bin/bash", "-c"]).run("echo $X", env={"X": "a b"})
    run = compile(image).target.steps[-1]
    assert isinstance(run, RunOp)
    assert run.argv == (
        "/bin/sh",
        "-c",
        "export X='a b'\nexec \"$@\"",
        "sh",
        "/bin/bash",
        "-c",
        "echo $X",
    )


def test_a_stage_built_on_another_inherits_its_shell() -> None:
    base = BASE.shell(["/bin/bash", "-c"]).named("base")
    run = compile(Image.from_(base).run("echo hi")).target.steps[-1]
    assert isinstance(run, RunOp)
    assert run.argv == ("/bin/bash", "-c", "echo hi")


def test_the_shell_changes_the_digests_of_the_string_commands_after_it() -> None:
    sh = step_digests(compile(BASE.run("echo hi")))
    bash = step_digests(compile(BASE.shell(["/bin/bash", "-c"]).run("echo hi")))
    assert list(sh.values())[-1][-1] != list(bash.values())[-1][-1]


@pytest.mark.parametrize(
    ("argv", "problem", "fix"),
    [
        ("/bin/bash -c", "shell takes a list of strings", "['/bin/bash', '-c']"),
        (["/bin/bash", 1], "shell takes a list of strings", "['/bin/bash', '-c']"),
        ([], "shell got an empty list", "give at least the program"),
        (["/bin/bash\x00"], "shell argument contains a NUL", "remove the NUL"),
    ],
)
def test_bad_shells_are_refused_with_place_and_fix(argv: object, problem: str, fix: str) -> None:
    line = _line() + 2
    with pytest.raises(SpecError) as caught:
        BASE.shell(argv)  # type: ignore[arg-type]
    assert problem in caught.value.problem
    assert fix in caught.value.fix
    assert caught.value.where is not None
    assert caught.value.where.endswith(f"test_instructions_more.py:{line}")


@pytest.mark.parametrize("fields", [{}, {"argv": ("a",), "script": "b"}])
def test_a_cmd_or_entrypoint_with_neither_or_both_commands_is_refused(
    fields: dict[str, Any],
) -> None:
    with pytest.raises(SpecError, match="cmd needs one command"):
        Cmd(**fields)
    with pytest.raises(SpecError, match="entrypoint needs one command"):
        Entrypoint(**fields)


# -- Dagger -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        (BASE.volume("/data"), "volume: Dagger cannot record volumes"),
        (BASE.stopsignal("SIGUSR1"), "stopsignal: Dagger cannot set"),
        (BASE.shell(["/bin/bash", "-c"]), "shell: Dagger cannot record the shell"),
    ],
)
def test_dagger_refuses_what_it_cannot_write_into_the_config(image: Image, reason: str) -> None:
    with pytest.raises(Unsupported, match=reason):
        mapped(image)
