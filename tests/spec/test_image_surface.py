"""``Image``'s public face: the Dockerfile verbs and documented attributes, nothing of
pydantic; one validated way in; value semantics; errors that name what exists."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from framework import Context, FrameworkError, Image, Inline, Secret, SpecError, compile, render
from framework.errors import UnknownInstruction
from framework.spec import CacheMount, Run, StagePath
from framework.spec._base import Model, _help_topic
from tests.spec.conftest import REPLACE_REFUSAL

VERBS = {
    "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "healthcheck", "label", "run",
    "shell", "stopsignal", "user", "volume", "workdir",
}  # fmt: skip
COMPOSITION = {"apply", "from_", "named", "scratch"}
ATTRIBUTES = {"base", "final_workdir", "name", "origin", "platform", "steps"}


def _line() -> int:
    frame = inspect.currentframe()
    assert frame is not None
    assert frame.f_back is not None
    return frame.f_back.f_lineno


def test_only_the_verbs_and_documented_attributes_are_public() -> None:
    image = Image.from_("alpine").run("true")
    public = {name for name in dir(image) if not name.startswith("_")}
    assert public == VERBS | COMPOSITION | ATTRIBUTES
    assert not any(name.startswith("model_") for name in dir(Image))


@pytest.mark.parametrize(
    "name", ["model_copy", "model_dump", "model_validate", "model_construct", "dict", "json"]
)
def test_pydantic_methods_are_not_there(name: str) -> None:
    image = Image.from_("alpine")
    assert not hasattr(image, name)
    with pytest.raises(AttributeError):
        getattr(image, name)


def test_model_copy_cannot_put_garbage_in_the_steps() -> None:
    image = Image.from_("alpine").run("true")
    with pytest.raises(AttributeError):
        image.model_copy(update={"steps": ("garbage",)})  # type: ignore[attr-defined]
    assert len(image.steps) == 1
    assert isinstance(image.steps[0], Run)


def test_calling_image_is_refused_and_says_how_to_start() -> None:
    line = _line() + 2
    with pytest.raises(SpecError) as caught:
        Image(base="Not A Ref!!")
    assert "Image.from_(" in caught.value.fix
    assert "Image.scratch()" in caught.value.fix
    assert caught.value.where is not None
    assert caught.value.where.endswith(f"test_image_surface.py:{line}")
    with pytest.raises(SpecError):
        Image()


def test_the_reference_check_runs_on_the_one_way_in() -> None:
    with pytest.raises(SpecError, match="image reference 'Not A Ref!!' is not valid"):
        Image.from_("Not A Ref!!")


def test_attributes_cannot_be_set_or_deleted() -> None:
    image = Image.from_("alpine").workdir("/app")
    for name, value in (("steps", ()), ("_steps", ()), ("base", "x"), ("anything", 1)):
        with pytest.raises(AttributeError, match="immutable"):
            setattr(image, name, value)
    with pytest.raises(AttributeError, match="immutable"):
        del image.name
    assert image.base == "alpine"
    assert image.final_workdir == "/app"


def test_an_unknown_method_lists_the_instructions() -> None:
    image = Image.from_("alpine")
    line = _line() + 2
    with pytest.raises(UnknownInstruction) as caught:
        image.onbuild("RUN true")  # type: ignore[attr-defined]
    error = caught.value
    assert isinstance(error, AttributeError)
    assert isinstance(error, SpecError)
    assert isinstance(error, FrameworkError)
    assert "an Image has no .onbuild" in error.problem
    for verb in VERBS:
        assert f".{verb}" in error.fix
    assert error.where is not None
    assert error.where.endswith(f"test_image_surface.py:{line}")
    frames = traceback.extract_tb(error.__traceback__)
    assert not any("/pydantic/" in frame.filename for frame in frames)


@pytest.mark.parametrize(
    ("wrong", "meant"),
    [
        ("entry_point", "entrypoint"),
        ("workdr", "workdir"),
        ("ADD", "add"),
        ("ADDD", "add"),
        ("Run", "run"),
    ],
)
def test_an_unknown_method_close_to_a_verb_says_did_you_mean(wrong: str, meant: str) -> None:
    with pytest.raises(UnknownInstruction) as caught:
        getattr(Image.from_("alpine"), wrong)
    assert caught.value.fix.startswith(f"did you mean .{meant}? ")


def test_private_misses_stay_plain_attribute_errors() -> None:
    image = Image.from_("alpine")
    assert getattr(image, "__array__", None) is None
    with pytest.raises(AttributeError) as caught:
        image._nothing  # type: ignore[attr-defined]  # noqa: B018
    assert not isinstance(caught.value, FrameworkError)


def test_equal_descriptions_are_equal_wherever_declared() -> None:
    first = Image.from_("alpine").workdir("/app").run("make")
    second = Image.from_("alpine").workdir("/app").run("make")
    assert first.origin != second.origin
    assert first == second
    assert hash(first) == hash(second)
    assert len({first, second}) == 1
    assert first != first.named("x")
    assert first != Image.from_("alpine").workdir("/app").run("make all")
    assert Image.from_(first) == Image.from_(second)
    assert Image.from_(first) != Image.from_("alpine")
    assert first != "alpine"


def test_copies_are_the_same_immutable_value() -> None:
    image = Image.from_("alpine").run("true")
    assert copy.copy(image) is image
    assert copy.deepcopy(image) is image


def test_a_stage_path_needs_an_image() -> None:
    with pytest.raises(SpecError, match="stagepath image"):
        StagePath(image="alpine", path="/out")  # type: ignore[arg-type]


# -- spec values: no construction path skips validation --------------------------------


def test_replace_of_a_spec_value_validates_again() -> None:
    step = Image.from_("alpine").run(["echo", "hi"]).steps[0]
    assert isinstance(step, Run)
    with pytest.raises(SpecError, match="empty argv"):
        dataclasses.replace(step, argv=())
    with pytest.raises(SpecError, match="invalid run network"):
        dataclasses.replace(step, network=1)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="secret id"):
        dataclasses.replace(Secret.env("TOKEN"), id="not an id!")
    assert dataclasses.replace(Secret.env("TOKEN"), id="other").id == "other"


def test_no_pydantic_style_way_around_validation() -> None:
    for name in ("model_copy", "model_construct", "model_validate", "model_dump"):
        assert not hasattr(CacheMount, name)
    mount = CacheMount(target="/c")
    with pytest.raises(dataclasses.FrozenInstanceError):
        mount.target = "relative"  # type: ignore[misc]


def test_validation_hints_point_to_things_that_exist() -> None:
    with pytest.raises(SpecError) as caught:
        Image.from_("alpine").expose([80])  # type: ignore[arg-type]
    assert "help(framework.Image.expose)" in caught.value.fix


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_help_topic_names_an_existing_object() -> None:
    import framework.plan

    for cls in _subclasses(Model):
        topic = _help_topic(cls)
        assert topic.startswith("framework.")
        target: object = framework
        for part in topic.split(".")[1:]:
            target = getattr(target, part)
        assert target is not None, cls
    assert _help_topic(Run) == "framework.Image.run"


# -- linear chaining: long chains and wide plans build and compile correctly ------------


def test_a_2000_step_chain_builds_and_compiles() -> None:
    image = Image.from_("debian:bookworm-slim").workdir("/app")
    for i in range(2000):
        image = image.run(["echo", str(i)]) if i % 2 else image.env({f"V{i}": str(i)})
    image = image.copy(Inline("x"), "relative/x")
    plan = compile(image)
    (stage,) = plan.stages
    assert len(stage.steps) == 2002
    assert image.final_workdir == "/app"
    dockerfile = render(plan).dockerfile
    assert 'ENV V1998="1998"\nRUN ["echo", "1999"]\nCOPY' in dockerfile


def test_a_plan_copying_from_200_images_compiles() -> None:
    target = Image.from_("debian:bookworm-slim")
    for i in range(200):
        source = Image.from_("debian:bookworm-slim").copy(Inline(f"{i}"), f"/out/{i}")
        target = target.copy(source.named(f"src{i}") / f"/out/{i}", f"/app/{i}")
    plan = compile(target)
    assert len(plan.stages) == 201
    assert len(set(plan.stages[-1].depends_on)) == 200
    assert render(plan).dockerfile.count("COPY --from=") == 200


def test_the_workdir_is_carried_across_images_and_checked_per_step(tmp_path: Path) -> None:
    inherited = Image.from_(Image.from_("alpine").workdir("/srv")).workdir("app")
    assert inherited.final_workdir == "/srv/app"
    assert inherited.copy(Inline("x"), "x").final_workdir == "/srv/app"
    with pytest.raises(SpecError, match="no workdir is set before it"):
        Image.from_("alpine").run("true").copy(Inline("x"), "relative/x")


def test_values_made_by_a_checking_constructor_are_checked_again_by_replace(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.py").write_text("")
    (tmp_path / ".dockerignore").write_text("*.log\n")
    ctx = Context(tmp_path)
    with pytest.raises(SpecError, match=r"context directory .* does not exist"):
        dataclasses.replace(ctx, path=tmp_path / "missing")
    narrowed = dataclasses.replace(ctx, exclude=("*.tmp",))
    assert narrowed.ignored == ("*.log",)
    assert narrowed.exclusions == ("*.log", "*.tmp")
    with pytest.raises(REPLACE_REFUSAL, match="init=False"):
        dataclasses.replace(ctx, ignored=())
    with pytest.raises(SpecError, match="outside the context"):
        dataclasses.replace(ctx / "app.py", path="../../etc/passwd")
    with pytest.raises(SpecError, match="does not exist"):
        dataclasses.replace(ctx / "app.py", path="missing.py")


def test_the_variable_names_an_image_sets_are_kept_across_images() -> None:
    # Kept per image so a check against them (e.g. a "$NAME" in a literal) stays linear.
    parent = Image.from_("alpine").env(A="1").run("true")
    child = Image.from_(parent).env({"B": "2", "A": "3"}).named("child")
    assert parent._env_names == frozenset({"A"})
    assert child._env_names == frozenset({"A", "B"})
    assert Image.from_("alpine")._env_names == frozenset()


# -- a wrong type is a SpecError at the caller's line, never a raw TypeError -----------


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda i: i.run("x", cache=5), "run cache is a int"),
        (lambda i: i.run("x", env="A=1"), "env values are a str, not a mapping"),
        (lambda i: i.run("x", network="no"), "network"),
        (lambda i: i.env(5), ".env() got a int, not a mapping"),
        (lambda i: i.label(["a=b"]), ".label() got a list, not a mapping"),
        (lambda i: i.named(5), "image name is int"),
        (lambda i: i.apply("fragment"), ".apply() got str, not a function"),
    ],
)
def test_a_wrong_type_is_a_spec_error_at_the_callers_line(
    call: Callable[[Image], object], says: str
) -> None:
    image = Image.from_("alpine")
    with pytest.raises(SpecError) as caught:
        call(image)
    assert says in caught.value.problem
    assert caught.value.where is not None
    assert "test_image_surface.py" in caught.value.where


def test_spec_values_called_with_positional_fields_say_how() -> None:
    with pytest.raises(SpecError, match=r"CacheMount takes its fields by name") as caught:
        CacheMount("/root/.cache")  # type: ignore[call-arg]
    assert "CacheMount(target=..." in caught.value.fix


def test_a_context_path_of_the_wrong_type_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="Context got int"):
        Context(5)  # type: ignore[arg-type]
