"""The generated pipeline, executed without an engine: the image it describes has the
steps, values and stages the Dockerfile means."""

from __future__ import annotations

import shutil
import types
from pathlib import Path

import pytest

from framework import Image
from framework.importer import convert_dockerfile
from framework.plan import RunOp
from framework.plan import compile as compile_plan
from framework.spec.steps import Arg, Copy, Env, Run


def _module(tmp_path: Path, dockerfile: str, name: str = "pipeline") -> types.ModuleType:
    (tmp_path / "ctx").mkdir(exist_ok=True)
    (tmp_path / "ctx" / "app.txt").write_text("app\n")
    path = tmp_path / "ctx" / "Dockerfile"
    path.write_text(dockerfile)
    output = tmp_path / f"{name}.py"
    result = convert_dockerfile(path, output=output)
    assert result.ok, [str(p) for p in result.problems]
    output.write_text(result.source)
    module = types.ModuleType(name)
    module.__file__ = str(output)
    exec(compile(result.source, str(output), "exec"), module.__dict__)
    return module


def _image(module: types.ModuleType, name: str = "pipeline", **params: str | None) -> Image:
    image = getattr(module, name)(**params)
    assert isinstance(image, Image)
    return image


def test_arg_values_reach_run_steps_only_and_follow_the_parameters(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        "FROM debian:bookworm-slim\nARG MODE=prod\nARG EXTRA\nRUN echo $MODE\n",
    )
    arg, run = _image(module).steps
    assert isinstance(arg, Arg)
    assert arg.values == (("MODE", "prod"),)
    assert isinstance(run, Run)
    assert run.env == ()  # EXTRA has no value unless passed
    arg, run = _image(module, mode="dev", extra="x").steps
    assert isinstance(arg, Arg)
    assert arg.values == (("MODE", "dev"),)
    assert isinstance(run, Run)
    assert dict(run.env) == {"EXTRA": "x"}
    (run_op,) = [s for s in compile_plan(_image(module)).target.steps if isinstance(s, RunOp)]
    assert run_op.args == (("MODE", "prod"),)


def test_an_arg_after_an_env_of_the_same_name_wins_for_run_as_in_buildkit(
    tmp_path: Path,
) -> None:
    module = _module(
        tmp_path,
        "FROM debian:bookworm-slim\nENV MODE=env\nARG MODE=arg\nRUN echo $MODE\nENV SEEN=$MODE\n",
    )
    env, arg, run, seen = _image(module).steps
    assert isinstance(env, Env)
    assert isinstance(arg, Arg)
    assert isinstance(run, Run)
    assert isinstance(seen, Env)
    assert seen.values == (("SEEN", "arg"),)
    (run_op,) = [s for s in compile_plan(_image(module)).target.steps if isinstance(s, RunOp)]
    assert run_op.args == (("MODE", "arg"),)


def test_a_platform_arg_is_declared_by_name_and_has_no_parameter(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        "FROM debian:bookworm-slim\nARG TARGETARCH\nRUN echo $TARGETARCH\nENV ARCH=$TARGETARCH\n",
    )
    arg, _run, env = _image(module).steps
    assert isinstance(arg, Arg)
    assert arg.values == (("TARGETARCH", None),)
    assert isinstance(env, Env)
    assert env.expand  # expanded when the build runs, where the value is known
    assert env.values == (("ARCH", "${TARGETARCH}"),)
    with pytest.raises(TypeError):
        _image(module, targetarch="arm64")


def test_a_platform_arg_before_from_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("ARG TARGETARCH\nFROM debian:bookworm-slim\n")
    result = convert_dockerfile(path, output=tmp_path / "out.py")
    assert not result.ok
    (problem,) = result.problems
    assert problem.line == 1
    assert "build platform" in str(problem)


def test_one_env_line_expands_every_word_with_the_environment_before_it(tmp_path: Path) -> None:
    module = _module(
        tmp_path, "FROM debian:bookworm-slim\nENV A=one\nENV A=two B=${A}-x PATH=/x:$PATH\n"
    )
    steps = _image(module).steps
    values = [(s.values, s.expand) for s in steps if isinstance(s, Env)]
    assert values == [
        ((("A", "one"),), False),
        ((("PATH", "/x:${PATH}"),), True),
        ((("A", "two"), ("B", "one-x")), False),
    ]


def test_stages_are_variables_and_unused_ones_are_left_out(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        "FROM golang:1.19 AS build\nRUN touch /out\n"
        "FROM debian:bookworm-slim AS unused\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /out /out\n",
    )
    source = Path(module.__file__ or "").read_text()
    assert "build_stage = " in source  # does not hide framework.build
    assert "unused" not in source
    (copy,) = _image(module).steps
    assert isinstance(copy, Copy)
    assert copy.source.describe() == "build:/out"


def test_comments_are_kept_above_their_step(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        "# header\n\nFROM debian:bookworm-slim\n# install it\nRUN a \\\n  # inside\n  && b\n",
    )
    source = Path(module.__file__ or "").read_text()
    assert "# header" in source
    assert "# install it\n        # inside\n        .run(" in source


def test_from_uses_a_global_arg(tmp_path: Path) -> None:
    module = _module(tmp_path, "ARG TAG=bookworm-slim\nFROM debian:${TAG}\nCOPY app.txt /\n")
    assert _image(module).base == "debian:bookworm-slim"
    assert _image(module, tag="bookworm").base == "debian:bookworm"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('CMD ["a", "b"]', ("a", "b")),
        ("CMD a b", ("/bin/sh", "-c", "a b")),
        ('ENTRYPOINT ["/bin/echo"]', ("/bin/echo",)),
        ("ENTRYPOINT exec x", ("/bin/sh", "-c", "exec x")),
    ],
)
def test_exec_and_shell_forms(tmp_path: Path, line: str, expected: tuple[str, ...]) -> None:
    module = _module(tmp_path, f"FROM debian:bookworm-slim\n{line}\n")
    (step,) = compile_plan(_image(module)).target.steps
    assert getattr(step, "argv", None) == expected


def test_colon_less_substitutions_match_a_newer_buildkit(tmp_path: Path) -> None:
    """``${NAME-word}`` and ``${NAME+word}`` test only whether NAME is set. Docker 20.10
    refuses them ("missing ':' in substitution"); the values here are what Docker 26.1
    (BuildKit 0.13) put in the image's config for this Dockerfile."""
    module = _module(
        tmp_path,
        'FROM debian:bookworm-slim\nARG UNSETARG\nARG EMPTYARG=""\nARG SETARG=v\n'
        "ENV R1=${UNSETARG-dash} R2=${UNSETARG+plus} R3=${EMPTYARG-dash} R4=${EMPTYARG+plus}"
        " R5=${SETARG-no} R6=${SETARG+yes} R7=${UNSETARG:-${SETARG}-x}\n",
    )
    (env,) = [s for s in _image(module).steps if isinstance(s, Env)]
    assert dict(env.values) == {
        "R1": "dash", "R2": "", "R3": "", "R4": "plus", "R5": "v", "R6": "yes", "R7": "v-x",
    }  # fmt: skip
    (env,) = [s for s in _image(module, unsetarg="", emptyarg="e").steps if isinstance(s, Env)]
    assert dict(env.values)["R1"] == ""
    assert dict(env.values)["R2"] == "plus"
    assert dict(env.values)["R3"] == "e"
    assert dict(env.values)["R7"] == "v-x"


@pytest.mark.parametrize(("app", "context"), [("flask", "flask_app"), ("go", "go_app")])
def test_the_handwritten_benchmark_dockerfiles_import(
    app: str, context: str, tmp_path: Path
) -> None:
    root = Path(__file__).resolve().parents[2]
    dockerfile = root / "bench" / "handwritten" / app / "Dockerfile"
    # The bench copies the example's files and a nonce (what makes its cold builds cold).
    shutil.copytree(root / "examples" / context, tmp_path / context)
    (tmp_path / context / "nonce.txt").write_text("0\n")
    result = convert_dockerfile(
        dockerfile, tmp_path / context, output=root / "pipeline.py", function="handwritten"
    )
    assert result.ok, [str(p) for p in result.problems]
    namespace: dict[str, object] = {"__file__": str(root / "pipeline.py")}
    exec(compile(result.source, str(root / "pipeline.py"), "exec"), namespace)
    image = namespace["handwritten"]()  # type: ignore[operator]
    assert isinstance(image, Image)
