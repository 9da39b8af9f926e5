"""Loading what a command builds: a pipeline file, ``module:attribute``, or a registered name.

A pipeline is a function returning an :class:`~framework.Image` (its typed parameters
become options) or an ``Image`` value. Registered pipelines are entry points in the
group ``framework.pipelines``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from framework._dataclass import dataclass
from framework.build import importing_pipeline
from framework.errors import SpecError
from framework.spec import Image

__all__ = ["ENTRY_POINT_GROUP", "Parameter", "Pipeline", "load_target", "registered"]

ENTRY_POINT_GROUP = "framework.pipelines"


@dataclass(frozen=True)
class Parameter:
    """One parameter of a pipeline function."""

    name: str
    annotation: Any
    default: Any  # inspect.Parameter.empty when required

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return "FRAMEWORK_PARAM_" + self.name.upper()

    def type_name(self) -> str:
        annotation = self.annotation
        return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


@dataclass(frozen=True)
class Pipeline:
    """A loaded pipeline: where it came from and how to make its image."""

    name: str
    source: str
    target: Callable[..., Image] | Image

    def parameters(self) -> tuple[Parameter, ...]:
        if isinstance(self.target, Image):
            return ()
        hints = typing.get_type_hints(self.target)
        return tuple(
            Parameter(p.name, hints.get(p.name, str), p.default)
            for p in inspect.signature(self.target).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        )

    def image(self, arguments: dict[str, Any]) -> Image:
        """The pipeline's image for ``arguments`` (already validated)."""
        if isinstance(self.target, Image):
            return self.target
        try:
            result = self.target(**arguments)
        except SpecError:
            raise
        except (Exception, SystemExit) as exc:
            frames = _traceback_frames(exc)
            last = f"{frames[-1][0]}:{frames[-1][1]}" if frames else self.source
            raise SpecError(
                f"pipeline {self.name!r} {_raised(exc)}",
                fix="fix the pipeline function (call it from Python to see the traceback)",
                where=last,
            ) from exc
        if not isinstance(result, Image):
            raise SpecError(
                f"pipeline {self.name!r} returned {type(result).__name__}, not an Image",
                fix="make the pipeline function return the Image it builds",
                where=self.source,
            )
        return result


def registered() -> dict[str, str]:
    """Registered pipeline names and their ``module:attribute``."""
    from importlib.metadata import entry_points  # costs ~25 ms: only when names are looked up

    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_target(target: str) -> Pipeline:
    """Load ``target``: ``path/to/file.py[:name]``, ``module:attribute``, or a registered name.

    A file without ``:name`` provides the function named like the file
    (``pipelines/flask_app.py`` -> ``flask_app``). Loading never builds: a file that
    calls ``build()`` when imported is refused with a :class:`SpecError` at that line.
    """
    path_part, _, attribute = target.partition(":")
    if path_part.endswith(".py") or Path(path_part).is_file():
        module = _load_file(Path(path_part))
        name = attribute or Path(path_part).stem
        return _pipeline(module, name, target)
    if attribute:
        return _pipeline(_import(path_part, target), attribute, target)
    names = registered()
    if target in names:
        module_name, _, attr = names[target].partition(":")
        return _pipeline(_import(module_name, target), attr, target, name=target)
    known = ", ".join(sorted(names)) or "none registered"
    raise SpecError(
        f"no pipeline {target!r}: not a .py file, not module:attribute, not a registered name",
        fix=f"give a pipeline file, module:function, or one of: {known}",
    )


def _load_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise SpecError(f"pipeline file {str(path)!r} does not exist", fix="check the path")
    resolved = path.resolve()
    module_name = f"_framework_pipeline_{abs(hash(str(resolved)))}"
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise SpecError(f"cannot load {path} as Python", fix="give a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        with importing_pipeline(str(path)):
            spec.loader.exec_module(module)
    except SpecError:
        raise
    except (Exception, SystemExit) as exc:
        raise SpecError(
            f"importing pipeline file {path} {_raised(exc)}",
            fix=_IMPORT_FIX,
            where=_where_in(exc, resolved),
        ) from exc
    return module


_IMPORT_FIX = (
    "fix the error in the pipeline file (run it with python to see the traceback); "
    'put script code under if __name__ == "__main__":'
)


def _raised(exc: BaseException) -> str:
    """What a pipeline did instead of returning: a ``sys.exit()`` (which would end the
    command as if it had succeeded, with nothing built), or an exception."""
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    return f"raised {type(exc).__name__}: {exc}"


def _where_in(exc: BaseException, path: Path) -> str | None:
    frames = [f for f in _traceback_frames(exc) if Path(f[0]) == path]
    return f"{path}:{frames[-1][1]}" if frames else str(path)


def _traceback_frames(exc: BaseException) -> list[tuple[str, int]]:
    frames: list[tuple[str, int]] = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    return frames


def _import(module_name: str, target: str) -> ModuleType:
    try:
        with importing_pipeline(module_name):
            return importlib.import_module(module_name)
    except ImportError as exc:
        raise SpecError(
            f"cannot import {module_name!r} for {target!r}: {exc}",
            fix="install the package that provides it, or check the module name",
        ) from exc
    except SpecError:
        raise
    except (Exception, SystemExit) as exc:
        raise SpecError(
            f"importing module {module_name!r} for {target!r} {_raised(exc)}", fix=_IMPORT_FIX
        ) from exc


def _pipeline(module: ModuleType, attribute: str, source: str, *, name: str = "") -> Pipeline:
    value = getattr(module, attribute, None)
    if value is None:
        choices = sorted(
            n for n, v in vars(module).items()
            if not n.startswith("_") and (isinstance(v, Image) or inspect.isfunction(v))
            and getattr(v, "__module__", module.__name__) == module.__name__
        )  # fmt: skip
        raise SpecError(
            f"{source!r} has no pipeline {attribute!r}",
            fix=f"name one of its functions: {', '.join(choices) or '(none found)'}",
        )
    if not (isinstance(value, Image) or callable(value)):
        raise SpecError(
            f"{source!r}: {attribute} is a {type(value).__name__}, not a pipeline",
            fix="point at a function returning an Image, or an Image",
        )
    return Pipeline(name=name or attribute, source=source, target=value)
