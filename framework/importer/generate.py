"""Turn a parsed Dockerfile into the source of an equivalent pipeline.

Each instruction becomes the ``Image`` call with the same meaning; build arguments become
typed parameters of the pipeline function (an ARG with one constant default gets it as
the parameter's default; otherwise the parameter is ``str | None = None`` and each
declaration falls back to its own default), and the words a Dockerfile expands are
expanded here as BuildKit would (:mod:`.expansion`). An ARG with a value becomes
``.arg(NAME=parameter)`` (the RUN steps after it, in its stage and the stages built FROM
it, see it; the image's config never does), and BuildKit's platform ARGs
(``ARG TARGETARCH``) become ``.arg("TARGETARCH")``; an ARG with no value anywhere is set
only when its parameter is passed, so it reaches each RUN after it as
``run(..., env=...)``. ENV persists
(``.env``), with ``expand=True`` where it refers to a variable only the base image sets
(``ENV PATH=/venv/bin:$PATH``). Stages are variables named after their ``AS`` name;
stages the last one does not use are left out, as BuildKit does not build them.
What cannot be expressed is a :class:`~.model.Problem` with its line and a fix.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from framework.errors import SpecError
from framework.importer.expansion import (
    BaseRef,
    Binding,
    ExpansionError,
    Lit,
    Py,
    Value,
    expand,
    identifier,
    python_string,
)
from framework.importer.model import Problem
from framework.importer.parse import Dockerfile, Instruction
from framework.spec.archives import archive_compression
from framework.spec.dockerignore import read_dockerignore
from framework.spec.patterns import BadPattern, PathFilter
from framework.spec.steps import is_signal

__all__ = ["generate"]

_HEREDOC = re.compile(r"<<-?\s*[\"']?[A-Za-z_][A-Za-z0-9_]*[\"']?\s*($|\s)")
_AUTOMATIC_ARGS = {
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
}  # fmt: skip
_UNSUPPORTED = {
    "ONBUILD": "apply the steps in the images that build on this one (a fragment function)",
    "MAINTAINER": "use LABEL org.opencontainers.image.authors=...",
}


class _Refused(Exception):
    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


@dataclass
class _Param:
    name: str
    python: str
    default: str | None  # a Python literal, or None for ``str | None = None``
    first_line: int


@dataclass
class _Stage:
    index: int
    name: str | None
    var: str
    start: Instruction
    body: list[Instruction]
    base_stage: int | None = None
    uses: set[int] = field(default_factory=set)


@dataclass
class _Scope:
    """Variables at a point of a stage: bindings, and which came from ARG (for RUN env)."""

    bindings: dict[str, Binding] = field(default_factory=dict)
    args: dict[str, Binding] = field(default_factory=dict)
    env_names: set[str] = field(default_factory=set)
    base_may_set: bool = True
    workdir: bool = False


@dataclass
class _Output:
    lines: list[str] = field(default_factory=list)
    uses_context: bool = False
    uses_secret: bool = False


def generate(
    dockerfile: Dockerfile, context: Path, output: Path | None, function: str
) -> tuple[str, list[Problem], list[str]]:
    """The pipeline source for ``dockerfile`` (context directory ``context``; ``output``
    is where the file will live, for the context's relative path), its problems and notes."""
    return _Generator(dockerfile, context, output, function).run()


class _Generator:
    def __init__(
        self, dockerfile: Dockerfile, context: Path, output: Path | None, function: str
    ) -> None:
        self.dockerfile = dockerfile
        self.context = context
        self.output = output
        self.function = function
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.params: dict[str, _Param] = {}
        # The names the module defines or imports: no stage or parameter may hide them.
        self.names: set[str] = {
            "context", function, "CONTEXT", "Image", "Context", "CacheMount", "Secret", "build",
            "run_script", "BUILD_PLATFORM", "Bind", "Tmpfs", "Url",
        }  # fmt: skip
        self.uses_build_platform = False
        self.stages: list[_Stage] = []
        self.meta: dict[str, Binding] = {}
        self.escape = dockerfile.escape
        self.prelude: list[str] = []
        self.stage_scopes: dict[int, _Scope] = {}
        self.meta_args: list[Instruction] = []

    # -- driver -----------------------------------------------------------------------

    def refuse(self, at: Instruction, problem: str, fix: str) -> None:
        self.problems.append(Problem(self.dockerfile.path, at.line, at.keyword, problem, fix))

    def run(self) -> tuple[str, list[Problem], list[str]]:
        if "syntax" in self.dockerfile.directives:
            self.notes.append(
                f"{self.dockerfile.path}:1: the '# syntax=' directive names a frontend image;"
                " the pipeline is built by the engine's own Dockerfile frontend"
            )
        self.split_stages()
        if not self.stages:
            return "", self.problems, self.notes
        self.collect_params()
        for at in self.meta_args:
            self.arg_binding(at, self.meta, base=False)
        out = _Output()
        stage_lines = []
        for stage in self.stages:
            scope = _Scope()
            stage_lines.append(self.stage_lines(stage, scope, out))
            self.stage_scopes[stage.index] = scope
        reachable = self.reachable()
        bodies: list[str] = []
        for stage, lines in zip(self.stages, stage_lines, strict=True):
            if stage.index not in reachable:
                continue
            last = stage is self.stages[-1]
            head = "return (" if last else f"{stage.var} = ("
            bodies.append("\n".join([head, *("    " + line for line in lines), ")"]))
        skipped = [s for s in self.stages if s.index not in reachable]
        for stage in skipped:
            self.notes.append(
                f"stage {stage.name or stage.index} (line {stage.start.line}) is not used by"
                " the last stage, so it is left out (docker build does not build it either)"
            )
        if self.problems:
            return "", self.problems, self.notes
        return self.module(bodies, out), self.problems, self.notes

    def split_stages(self) -> None:
        current: _Stage | None = None
        for instruction in self.dockerfile.instructions:
            if instruction.keyword == "FROM":
                words = instruction.rest.split()
                name = words[2] if len(words) == 3 and words[1].lower() == "as" else None
                var = name or f"stage{len(self.stages)}"
                if identifier(var, set()) in self.names:
                    var += "_stage"
                var = identifier(var, self.names)
                current = _Stage(len(self.stages), name, var, instruction, [])
                self.stages.append(current)
            elif current is None:
                if instruction.keyword == "ARG":
                    self.meta_arg(instruction)
                else:
                    self.refuse(
                        instruction,
                        "only ARG may come before the first FROM",
                        "move it after FROM",
                    )
            else:
                current.body.append(instruction)
        if not self.stages and not self.problems:
            at = Instruction("FROM", (), (), 1)
            self.refuse(at, "the Dockerfile has no FROM", "start it with FROM image")

    def stage_by_name(self, word: str) -> _Stage | None:
        for stage in self.stages:
            if stage.name is not None and stage.name.lower() == word.lower():
                return stage
        if word.isdigit() and int(word) < len(self.stages):
            return self.stages[int(word)]
        return None

    def reachable(self) -> set[int]:
        seen: set[int] = set()
        todo = [len(self.stages) - 1]
        while todo:
            index = todo.pop()
            if index in seen:
                continue
            seen.add(index)
            stage = self.stages[index]
            todo.extend(stage.uses)
            if stage.base_stage is not None:
                todo.append(stage.base_stage)
        return seen

    # -- build arguments ----------------------------------------------------------------

    def arg_parts(self, at: Instruction) -> tuple[str, str | None] | None:
        rest = at.rest
        name, eq, default = rest.partition("=")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name.strip()) or (
            len(split_words(rest, self.escape)) != 1
        ):
            self.refuse(
                at, f"ARG {rest!r} is not one NAME or NAME=default", "declare one ARG per line"
            )
            return None
        return name.strip(), (default if eq else None)

    def collect_params(self) -> None:
        """Every ARG name becomes a parameter; its default is the declared one when all
        declarations agree on one constant (a stage's bare ARG inheriting the global's)."""
        declared: dict[str, list[tuple[Instruction, str | None, bool]]] = {}
        globals_: set[str] = set()
        for instruction in self.dockerfile.instructions:
            if instruction.keyword == "FROM":
                break
            if instruction.keyword == "ARG":
                parts = self.arg_parts_quiet(instruction)
                if parts:
                    globals_.add(parts[0])
                    declared.setdefault(parts[0], []).append((instruction, parts[1], True))
        for stage in self.stages:
            for instruction in stage.body:
                if instruction.keyword == "ARG":
                    parts = self.arg_parts_quiet(instruction)
                    if parts:
                        declared.setdefault(parts[0], []).append((instruction, parts[1], False))
        for name, declarations in declared.items():
            if name in _AUTOMATIC_ARGS and all(d is None for _, d, _ in declarations):
                continue  # BuildKit gives the value: .arg("TARGETARCH"), no parameter
            defaults = {d for _, d, _ in declarations if d is not None}
            bare_unset = any(d is None and name not in globals_ for _, d, _ in declarations)
            default: str | None = None
            if len(defaults) == 1 and not bare_unset:
                (raw,) = defaults
                try:
                    constant = expand(raw, {}, escape=self.escape).constant
                except ExpansionError:
                    constant = None
                if constant is not None and "$" not in raw:
                    default = python_string(constant)
            python = identifier(name, self.names)
            self.params[name] = _Param(name, python, default, declarations[0][0].line)

    def arg_parts_quiet(self, at: Instruction) -> tuple[str, str | None] | None:
        count = len(self.problems)
        parts = self.arg_parts(at)
        del self.problems[count:]
        return parts

    def arg_binding(self, at: Instruction, scope: dict[str, Binding], base: bool) -> str | None:
        """Bind the ARG at ``at`` in ``scope``; its name, or None when it is refused."""
        parts = self.arg_parts(at)
        if parts is None:
            return None
        name, raw = parts
        if name not in self.params:  # a platform ARG without a value
            if scope is self.meta:
                self.refuse(
                    at,
                    f"ARG {name} before FROM is set by BuildKit from the build platform,"
                    " which a pipeline's FROM does not read",
                    f"give it a value (ARG {name}=...), or write the value where it is used",
                )
                return None
            # Known when the build runs: an env step expands it there, like a base variable.
            scope[name] = Binding(Value.of(BaseRef(name)))
            return name
        param = self.params[name]
        if raw is None:
            if name in self.meta:
                scope[name] = self.meta[name]
            else:
                scope[name] = Binding(Value(), optional=param.python)
            return name
        if param.default is not None:
            scope[name] = Binding(Value.of(Py(param.python)))
            return name
        try:
            default = expand(raw, scope, base_may_set=base, escape=self.escape)
        except ExpansionError as exc:
            self.refuse(at, exc.problem, exc.fix)
            return None
        if default.base_refs:
            self.refuse(
                at,
                f"the default of ARG {name} refers to ${default.base_refs[0]}, a variable"
                " of the base image",
                "write the value",
            )
            return None
        fallback = default.python()
        scope[name] = Binding(
            Value.of(Py(f"{fallback} if {param.python} is None else {param.python}"))
        )
        return name

    def meta_arg(self, at: Instruction) -> None:
        # Bound once all parameters are known (run()).
        self.meta_args.append(at)

    def stage_lines(self, stage: _Stage, scope: _Scope, out: _Output) -> list[str]:
        lines = [*self.comments(stage.start), self.from_(stage, scope)]
        for at in stage.body:
            try:
                calls = self.instruction(at, stage, scope, out)
            except _Refused as exc:
                self.refuse(at, exc.problem, exc.fix)
                continue
            except ExpansionError as exc:
                self.refuse(at, exc.problem, exc.fix)
                continue
            if calls:
                lines.extend(self.comments(at))
                lines.extend(calls)
        return lines

    def comments(self, at: Instruction) -> list[str]:
        return [f"# {c}" if c else "#" for c in at.comments]

    def from_(self, stage: _Stage, scope: _Scope) -> str:
        at = stage.start
        platform = ""
        for flag, value in at.flags:
            if flag == "platform" and value:
                platform = self.from_platform(at, value)
                continue
            self.refuse(at, f"FROM --{flag} is not supported", "drop the flag")
        words = at.rest.split()
        if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
            self.refuse(
                at, f"FROM {at.rest!r} is not 'image [AS name]'", "write FROM image AS name"
            )
            return "Image.scratch()"
        try:
            base = expand(words[0], self.meta, escape=self.escape)
        except ExpansionError as exc:
            self.refuse(at, exc.problem, exc.fix)
            return "Image.scratch()"
        named = f".named({python_string(stage.name)})" if stage.name else ""
        text = base.constant
        parent = self.stage_by_name(text) if text is not None and not text.isdigit() else None
        if parent is not None and parent.index < stage.index:
            stage.base_stage = parent.index
            # BuildKit carries the parent's whole environment, its ARG values included:
            # a RUN in this stage sees them too.
            inherited = self.stage_scopes[parent.index]
            scope.bindings.update(inherited.bindings)
            scope.args.update(inherited.args)
            scope.env_names |= inherited.env_names
            scope.base_may_set = inherited.base_may_set
            scope.workdir = inherited.workdir
            if platform:
                self.refuse(
                    at,
                    "FROM --platform of an earlier stage: a stage runs on its base stage's"
                    " platform",
                    "give the platform on the earlier stage's FROM",
                )
            return f"Image.from_({parent.var}){named}"
        if text is not None and text.lower() == "scratch":
            scope.base_may_set = False
            if platform:
                self.refuse(at, "FROM --platform of scratch", "drop the flag")
            return f"Image.scratch(){named}"
        return f"Image.from_({base.python()}{platform}){named}"

    def from_platform(self, at: Instruction, value: str) -> str:
        """The ``, platform=...`` argument for ``FROM --platform=value`` (empty for the
        target platform, which is a stage's default)."""
        if value in ("$BUILDPLATFORM", "${BUILDPLATFORM}"):
            self.uses_build_platform = True
            return ", platform=BUILD_PLATFORM"
        if value in ("$TARGETPLATFORM", "${TARGETPLATFORM}"):
            return ""
        if "$" in value:
            self.refuse(
                at,
                f"FROM --platform={value} depends on a build argument",
                "write the platform (linux/arm64), $BUILDPLATFORM or $TARGETPLATFORM",
            )
            return ""
        return f", platform={python_string(value)}"

    def word(self, text: str, scope: _Scope, what: str) -> Value:
        value = expand(text, scope.bindings, base_may_set=scope.base_may_set, escape=self.escape)
        if value.base_refs:
            raise _Refused(
                f"{what} refers to ${value.base_refs[0]}, which this Dockerfile does not set"
                " (the base image may): a pipeline knows the base image's environment only"
                " when it builds",
                f"write the value instead of ${value.base_refs[0]}",
            )
        return value

    def instruction(self, at: Instruction, stage: _Stage, scope: _Scope, out: _Output) -> list[str]:
        keyword = at.keyword
        if keyword in _UNSUPPORTED:
            raise _Refused(f"{keyword} has no equivalent in a pipeline", _UNSUPPORTED[keyword])
        if keyword == "ARG":
            return self.arg(at, scope)
        if keyword == "ENV":
            return self.env(at, scope)
        if keyword == "LABEL":
            return self.label(at, scope)
        if keyword in ("RUN", "COPY", "ADD") and _HEREDOC.search(at.rest):
            raise _Refused(
                f"{keyword} with a heredoc (<<) needs a newer Dockerfile frontend than the one"
                " the importer models, and a pipeline writes files differently",
                "write the file with .copy(Inline('...'), '/path'), or the commands as one RUN",
            )
        if keyword == "RUN":
            return self.run_(at, stage, scope, out)
        if keyword in ("COPY", "ADD"):
            return self.copy(at, stage, scope, out)
        if keyword in ("CMD", "ENTRYPOINT"):
            self.no_flags(at)
            words = at.json_form()
            command = python_list(words) if words is not None else self.shell(at)
            return [f".{keyword.lower()}({command})"]
        if keyword == "WORKDIR":
            self.no_flags(at)
            path = self.word(at.rest, scope, "WORKDIR")
            self.needs_workdir(path, scope, "WORKDIR")
            scope.workdir = True
            return [f".workdir({path.python()})"]
        if keyword == "USER":
            self.no_flags(at)
            user = self.word(at.rest, scope, "USER")
            return [f".user({user.python()})"]
        if keyword == "EXPOSE":
            self.no_flags(at)
            return [self.expose(word, scope) for word in at.rest.split()]
        if keyword == "HEALTHCHECK":
            return [self.healthcheck(at)]
        if keyword == "VOLUME":
            return [self.volume(at, scope)]
        if keyword == "STOPSIGNAL":
            self.no_flags(at)
            signal = self.word(at.rest.strip(), scope, "STOPSIGNAL")
            if signal.constant is not None and not is_signal(signal.constant):
                raise _Refused(
                    f"STOPSIGNAL {signal.constant!r} is not a signal Docker knows",
                    "give a signal name like SIGTERM, or a number from 1 to 64",
                )
            return [f".stopsignal({signal.python()})"]
        if keyword == "SHELL":
            self.no_flags(at)
            words = at.json_form()
            if not words:
                raise _Refused(
                    "SHELL takes a JSON list (Docker refuses any other form)",
                    'write SHELL ["/bin/bash", "-c"]',
                )
            return [f".shell({python_list(words)})"]
        raise _Refused(f"unknown instruction {keyword}", "check the spelling")

    def arg(self, at: Instruction, scope: _Scope) -> list[str]:
        """``.arg(NAME=value)``; nothing for an ARG that may have no value (its RUN env)."""
        before = dict(scope.bindings)
        name = self.arg_binding(at, scope.bindings, scope.base_may_set)
        if name is None:
            return []
        binding = scope.bindings[name]
        if name not in self.params:
            scope.args.pop(name, None)
            return [f".arg({python_string(name)})"]
        if binding.optional is not None:
            if name in scope.env_names:
                # Unless the parameter is passed, the ENV's value stays.
                scope.bindings[name] = before[name]
            else:
                scope.args[name] = binding
            return []
        # BuildKit: an ARG with a value overrides an ENV of the same name for the steps
        # after it (RUN and expansion), not the image config; so does .arg().
        scope.args.pop(name, None)
        return [f".arg({_kwarg(name, binding.value.python())})"]

    def volume(self, at: Instruction, scope: _Scope) -> str:
        """VOLUME's words, JSON form or not, each expanded as Docker expands them."""
        self.no_flags(at)
        words = at.json_form()
        if words is None:
            words = split_words(at.rest, self.escape)
        if not words:
            raise _Refused("VOLUME has no path", "give the volume's absolute path")
        paths = [self.word(word, scope, "VOLUME") for word in words]
        for path in paths:
            if path.constant is not None and not path.constant.startswith("/"):
                raise _Refused(
                    f"VOLUME {path.constant!r} is relative: Docker keeps it as written, while"
                    " a pipeline resolves it against the workdir",
                    "write the volume's absolute path",
                )
        return f".volume({', '.join(p.python() for p in paths)})"

    def needs_workdir(self, path: Value, scope: _Scope, what: str) -> None:
        text = path.constant
        if scope.workdir or text is None or text.startswith("/"):
            return
        raise _Refused(
            f"{what} {text!r} is relative, and no WORKDIR is set before it: Docker resolves"
            " it against the base image's working directory, which a pipeline does not know",
            "set WORKDIR /absolute/path before it (the base image's, e.g. WORKDIR /go)",
        )

    def no_flags(self, at: Instruction, allowed: tuple[str, ...] = ()) -> None:
        for flag, _ in at.flags:
            if flag not in allowed:
                raise _Refused(f"{at.keyword} --{flag} is not supported", "drop the flag")

    def shell(self, at: Instruction) -> str:
        """A shell-form command as Python string literals, one per Dockerfile line."""
        pieces = list(at.lines)
        pieces[0] = pieces[0].lstrip()
        pieces[-1] = pieces[-1].rstrip()
        pieces = [p for p in pieces if p]
        if not pieces:
            raise _Refused(f"{at.keyword} has no command", "give the command")
        if len(pieces) == 1:
            return python_string(pieces[0])
        return "\n" + "\n".join(python_string(p) for p in pieces) + "\n"

    # -- instructions ------------------------------------------------------------------

    def pairs(self, at: Instruction) -> list[tuple[str, str]]:
        """ENV/LABEL ``k=v`` words (quotes kept for expansion), or the legacy ``k v``."""
        words = split_words(at.rest, self.escape)
        if not words:
            raise _Refused(f"{at.keyword} needs NAME=value", "give at least one NAME=value")
        if "=" not in words[0]:
            name, _, value = at.rest.partition(" ")
            if not value.strip():
                raise _Refused(f"{at.keyword} {name} has no value", f"write {name}=value")
            return [(name, value.strip())]
        result = []
        for word in words:
            name, eq, value = word.partition("=")
            if not eq:
                raise _Refused(
                    f"{at.keyword} mixes NAME=value and NAME value forms at {word!r}",
                    "write every pair as NAME=value",
                )
            result.append((name, value))
        return result

    def env(self, at: Instruction, scope: _Scope) -> list[str]:
        self.no_flags(at)
        expanded: list[tuple[str, Value]] = []
        for raw_name, raw_value in self.pairs(at):
            name = self.word(raw_name, scope, "ENV name").constant
            if name is None:
                raise _Refused("an ENV name depends on a build argument", "write the name")
            value = expand(
                raw_value, scope.bindings, base_may_set=scope.base_may_set, escape=self.escape
            )
            expanded.append((name, value))
        assigned = {name for name, _ in expanded}
        for name, value in expanded:
            clash = [ref for ref in value.base_refs if ref in assigned and ref != name]
            if clash:
                raise _Refused(
                    f"ENV {name} refers to ${clash[0]}, which this same ENV sets: Docker"
                    f" expands it to the value before this line, which comes from the base image",
                    f"set {name} in an ENV line of its own, before the one that sets {clash[0]}",
                )
        # Every word of one ENV is expanded with the environment before it: the values
        # that the build expands (from the base image) are set first, then the literal ones.
        expanded.sort(key=lambda pair: not pair[1].base_refs)
        calls: list[str] = []
        group: list[str] = []
        group_expand = False
        for name, value in expanded:
            needs_expand = bool(value.base_refs)
            if needs_expand and any(isinstance(p, Lit) and "$" in p.text for p in value.pieces):
                raise _Refused(
                    f"ENV {name} holds both a literal '$' and a base image variable",
                    "set the literal part in another variable",
                )
            if group and needs_expand != group_expand:
                calls.append(_call("env", group, group_expand))
                group = []
            group_expand = needs_expand
            group.append(_kwarg(name, value.python()))
        if group:
            calls.append(_call("env", group, group_expand))
        for name, value in expanded:
            if value.base_refs:
                # Later words refer to the image's variable, which holds this value then.
                scope.bindings[name] = Binding(Value.of(BaseRef(name)))
            else:
                scope.bindings[name] = Binding(value)
            scope.env_names.add(name)
            scope.args.pop(name, None)
        return calls

    def label(self, at: Instruction, scope: _Scope) -> list[str]:
        self.no_flags(at)
        items = []
        for raw_name, raw_value in self.pairs(at):
            name = self.word(raw_name, scope, "LABEL name")
            value = self.word(raw_value, scope, "LABEL value")
            items.append(f"{name.python()}: {value.python()}")
        return [".label({" + ", ".join(items) + "})"]

    def expose(self, word: str, scope: _Scope) -> str:
        value = self.word(word, scope, "EXPOSE")
        text = value.constant
        if text is None:
            return f".expose(int({value.python()}))"
        port, _, protocol = text.partition("/")
        if not port.isdigit():
            raise _Refused(f"EXPOSE {text!r} is not PORT[/tcp|udp]", "expose each port by number")
        if protocol and protocol.lower() not in ("tcp", "udp"):
            raise _Refused(f"EXPOSE protocol {protocol!r} is not tcp or udp", "use tcp or udp")
        if protocol.lower() == "udp":
            return f'.expose({int(port)}, "udp")'
        return f".expose({int(port)})"

    def healthcheck(self, at: Instruction) -> str:
        options: list[str] = []
        for flag, value in at.flags:
            names = {"interval": "interval", "timeout": "timeout", "start-period": "start_period"}
            if flag in names and value is not None:
                options.append(f"{names[flag]}={_number(go_seconds(value))}")
            elif flag == "retries" and value is not None and value.isdigit():
                options.append(f"retries={int(value)}")
            else:
                raise _Refused(f"HEALTHCHECK --{flag} is not supported", "drop the flag")
        rest = at.rest
        if rest.upper() == "NONE":
            return ".healthcheck(None)"
        keyword, _, command = rest.partition(" ")
        if keyword.upper() != "CMD" or not command.strip():
            raise _Refused("HEALTHCHECK needs CMD command or NONE", "write HEALTHCHECK CMD ...")
        trimmed = Instruction(at.keyword, (), (command.strip(),), at.line)
        words = trimmed.json_form()
        if words is not None:
            if words and words[0] == "CMD-SHELL" and len(words) == 2:
                command_text = python_string(words[1])
            else:
                command_text = python_list(words)
        else:
            command_text = python_string(command.strip())
        return f".healthcheck({', '.join([command_text, *options])})"

    def run_(self, at: Instruction, stage: _Stage, scope: _Scope, out: _Output) -> list[str]:
        found: dict[str, list[str]] = {"cache": [], "secret": [], "mount": []}
        network = True
        for flag, value in at.flags:
            if flag == "mount" and value is not None:
                kind, text = self.mount(value, stage, out)
                found[kind].append(text)
            elif flag == "network" and value in ("none", "default"):
                network = value == "default"
            else:
                raise _Refused(
                    f"RUN --{flag}{'=' + value if value else ''} is not supported",
                    "drop the flag",
                )
        caches, secrets, mounts = found["cache"], found["secret"], found["mount"]
        if secrets:
            out.uses_secret = True
        words = at.json_form()
        command = python_list(words) if words is not None else self.shell(at)
        options = [command]
        env = {name: b for name, b in scope.args.items() if name not in scope.env_names}
        if env:
            options.append(f"env={_env_dict(env)}")
        if caches:
            options.append(f"cache={caches[0] if len(caches) == 1 else python_list_raw(caches)}")
        if secrets:
            options.append(f"secrets={python_list_raw(secrets)}")
        if mounts:
            options.append(f"mounts={mounts[0] if len(mounts) == 1 else python_list_raw(mounts)}")
        if not network:
            options.append("network=False")
        return [f".run({', '.join(options)})"]

    def mount(self, spec: str, stage: _Stage, out: _Output) -> tuple[str, str]:
        fields: dict[str, str] = {}
        for part in spec.split(","):
            key, eq, value = part.partition("=")
            fields[key.strip().lower()] = value.strip() if eq else "true"
        kind = fields.pop("type", "bind")
        target = next((fields.pop(k) for k in ("target", "dst", "destination") if k in fields), "")
        if kind in ("cache", "bind", "tmpfs"):
            if not target:
                raise _Refused(f"a {kind} mount needs a target", "add target=/path")
            if not target.startswith("/"):
                raise _Refused(
                    f"{kind} mount target {target!r} is relative; a pipeline's mount targets"
                    " are absolute",
                    "give the absolute path (the WORKDIR joined with it)",
                )
        if kind == "cache":
            return "cache", _cache_mount(target, fields)
        if kind == "bind":
            return "mount", self.bind_mount(target, fields, stage, out)
        if kind == "tmpfs":
            size = fields.pop("size", None)
            _refuse_other_options("tmpfs", fields, "keep target and size only")
            if size is None:
                return "mount", f"Tmpfs({python_string(target)})"
            return "mount", f"Tmpfs({python_string(target)}, size={ram_bytes(size)})"
        if kind == "secret":
            secret_id = fields.pop("id", None) or (posixpath.basename(target) if target else "")
            fields.pop("required", None)
            if fields:
                raise _Refused(
                    f"RUN --mount=type=secret option {sorted(fields)[0]!r} is not supported",
                    "keep id and target only",
                )
            if not secret_id:
                raise _Refused("a secret mount needs an id", "add id=name")
            variable = re.sub(r"[^A-Za-z0-9_]", "_", secret_id).upper()
            if variable[0].isdigit():
                variable = "_" + variable
            path = target or f"/run/secrets/{secret_id}"
            id_arg = "" if variable == secret_id else f", id={python_string(secret_id)}"
            return (
                "secret",
                f"Secret.env({python_string(variable)}{id_arg}).as_file({python_string(path)})",
            )
        raise _Refused(
            f"RUN --mount=type={kind} is not supported",
            "mount a secret file instead (Secret.file(...).as_file(...)) or copy what the step"
            " needs",
        )

    def bind_mount(self, target: str, fields: dict[str, str], stage: _Stage, out: _Output) -> str:
        """``Bind(source, target[, rw=True])`` from a bind mount's options."""
        source = next((fields.pop(k) for k in ("source", "src") if k in fields), "")
        origin = fields.pop("from", None)
        writable = _flag(fields, ("rw", "readwrite"), ("ro", "readonly"))
        _refuse_other_options("bind", fields, "keep target, source, from and rw only")
        if origin is not None:
            image = self.bind_stage(origin, stage)
            path = posixpath.normpath("/" + source.lstrip("/"))
            expression = f"{image} / {python_string(path)}"
        else:
            normal = posixpath.normpath("/" + source.lstrip("/")).lstrip("/")
            if normal and not (self.context / normal).exists():
                raise _Refused(
                    f"bind source {source!r} is not in the context {self.context}",
                    "check the path, or give the right context with --context",
                )
            out.uses_context = True
            expression = f"context / {python_string(normal)}" if normal else "context"
        rw = ", rw=True" if writable else ""
        return f"Bind({expression}, {python_string(target)}{rw})"

    def bind_stage(self, name: str, stage: _Stage) -> str:
        """The variable of the stage ``name`` (an earlier one), else an image reference."""
        if "$" in name:
            raise _Refused("a bind mount's from= depends on a build argument", "name the stage")
        return self.stage_or_image(name, stage, "RUN --mount=from")

    def copy_flags(
        self, at: Instruction, stage: _Stage, scope: _Scope
    ) -> tuple[str | None, str | None, str | None, str | None]:
        """``(owner, mode, source stage, checksum)`` from a COPY or ADD's flags."""
        owner = mode = source_stage = checksum = None
        for flag, value in at.flags:
            if value is None:
                raise _Refused(f"{at.keyword} --{flag} is not supported", "drop the flag")
            if flag == "chown":
                owner = self.word(value, scope, "--chown").python()
            elif flag == "chmod" and re.fullmatch(r"[0-7]{3,4}", value):
                mode = f"0o{int(value, 8):o}"
            elif flag == "from" and at.keyword == "COPY":
                source_stage = self.from_source(value, stage, scope)
            elif flag == "checksum" and at.keyword == "ADD":
                checksum = _checksum(value)
            else:
                raise _Refused(f"{at.keyword} --{flag}={value} is not supported", "drop the flag")
        return owner, mode, source_stage, checksum

    def copy(self, at: Instruction, stage: _Stage, scope: _Scope, out: _Output) -> list[str]:
        self.has_chown = any(flag == "chown" for flag, _ in at.flags)
        self.current_line = at.line
        owner, mode, source_stage, checksum = self.copy_flags(at, stage, scope)
        words = at.json_form()
        if words is None:
            words = at.rest.split()
        if len(words) < 2:
            raise _Refused(f"{at.keyword} needs a source and a destination", "give both")
        values = [self.word(w, scope, at.keyword) for w in words]
        *sources, dest = values
        self.needs_workdir(dest, scope, f"{at.keyword} destination")
        # COPY --from without --chown keeps the stage's owners: so does keep_owner=True.
        keep = "True" if source_stage is not None and owner is None else None
        options = "".join(
            f", {name}={value}"
            for name, value in (("owner", owner), ("mode", mode), ("keep_owner", keep))
            if value
        )
        if at.keyword == "ADD":
            remote = self.add_remote(
                sources, dest, checksum=checksum, owner=owner, mode=mode, line=at.line
            )
            if remote is not None:
                return [remote]
        calls = []
        for source in sources:
            text = source.constant
            if text is not None and any(c in text for c in "*?[") and source_stage is None:
                calls.append(f"# {at.keyword} {text}: the files it matched when imported")
                out.uses_context = True
                for match in self.glob(text):
                    verb, extra = self.local_verb(at.keyword, match, owner, mode, options)
                    calls.append(
                        f".{verb}(context / {python_string(match)}, {dest.python()}{extra})"
                    )
                continue
            if text is not None and any(c in text for c in "*?["):
                raise _Refused(
                    f"COPY --from source {text!r} is a wildcard",
                    "copy the directory that holds the files",
                )
            verb, extra = "copy", options
            if source_stage is not None:
                path = source if (text or "").startswith("/") else Value.of(Lit("/")) + source
                if path.constant is not None:
                    path = Value.of(Lit(posixpath.normpath(path.constant)))
                expression = f"{source_stage} / {path.python()}"
            else:
                out.uses_context = True
                expression = self.context_source(source)
                if text is not None:
                    normal = posixpath.normpath("/" + text).lstrip("/")
                    verb, extra = self.local_verb(at.keyword, normal, owner, mode, options)
            calls.append(f".{verb}({expression}, {dest.python()}{extra})")
        return calls

    def add_remote(
        self,
        sources: list[Value],
        dest: Value,
        *,
        checksum: str | None,
        owner: str | None,
        mode: str | None,
        line: int,
    ) -> str | None:
        """The ``.add(Url(...))`` call for an ``ADD`` of a URL; ``None`` for local sources."""
        texts = [source.constant for source in sources]
        if None in texts:
            raise _Refused(
                "ADD of a source that depends on a build argument: whether ADD unpacks it "
                "(or fetches it) depends on what it names, which is not known when importing",
                "name the file or URL, or use COPY for a plain file",
            )
        remote = [
            t
            for t in texts
            if t is not None
            and (re.match(r"^[a-z][a-z0-9+.-]*://", t, re.IGNORECASE) or t.startswith("git@"))
        ]
        if not remote:
            if checksum is not None:
                raise _Refused(
                    "ADD --checksum applies to a URL; this ADD names local files",
                    "drop --checksum (the context's files are covered by the plan's digest)",
                )
            return None
        url = remote[0]
        if not url.lower().startswith(("http://", "https://")):
            raise _Refused(
                f"ADD of {url} is not supported: only http:// and https:// URLs are",
                "fetch it in a RUN step (git clone, or a stage), or copy a local checkout",
            )
        if len(sources) > 1:
            raise _Refused(
                "ADD of a URL with other sources in one instruction",
                "give each URL its own ADD --checksum=sha256:... line",
            )
        if checksum is None:
            raise _Refused(
                f"ADD of the URL {url} has no --checksum: a pipeline adds a remote file only "
                "with the sha256 of its content",
                f"write ADD --checksum=sha256:<64 hex digits> {url} ... "
                f"(`curl -fsSL '{url}' | sha256sum` prints it), then import again",
            )
        if mode is not None:
            self.notes.append(
                f"{self.dockerfile.path}:{line}: ADD --chmod of a URL: Docker 20.10 ignores it"
                " (the file is 0600), Docker 24+ and the pipeline apply it"
            )
        arguments = [f"Url({python_string(url)}, sha256={python_string(checksum)})", dest.python()]
        arguments += [
            f"{name}={value}" for name, value in (("owner", owner), ("mode", mode)) if value
        ]
        return f".add({', '.join(arguments)})"

    def local_verb(
        self, keyword: str, path: str, owner: str | None, mode: str | None, options: str
    ) -> tuple[str, str]:
        """The method and options for the context file ``path``: ``add`` (no options) for
        an archive that ``ADD`` unpacks, else ``copy``, as Docker copies any other file."""
        if keyword == "ADD" and path and self.is_archive(path, owner, mode):
            return "add", ""
        return "copy", options

    def is_archive(self, path: str, owner: str | None, mode: str | None) -> bool:
        """Whether ``ADD`` unpacks the context file ``path`` (a tar archive, by content,
        as Docker tests it); an archive with ``--chown`` or ``--chmod`` is refused."""
        full = self.context / path
        if not full.is_file():
            return False
        try:
            compression = archive_compression(full)
        except OSError as exc:
            raise _Refused(
                f"cannot read {path}: {exc.strerror or exc}", "make it readable"
            ) from None
        if compression is None:
            return False
        if compression == "zstd":
            raise _Refused(
                f"ADD of the zstd archive {path}: Docker 20.10 copies it, newer Dockers unpack it",
                "recompress it with gzip, bzip2 or xz",
            )
        if owner is not None or mode is not None:
            raise _Refused(
                f"ADD --chown/--chmod of the archive {path}: Docker applies them only to the "
                "directories it creates, not to the archive's entries, which a pipeline does "
                "not express",
                "drop the flag and set owners in the archive, or chown in a RUN step",
            )
        return True

    def glob(self, pattern: str) -> list[str]:
        """The context's paths that ``pattern`` matches (Go's filepath.Match, per path
        component, as docker build matches COPY sources), less what .dockerignore excludes."""
        normal = posixpath.normpath("/" + pattern).lstrip("/")
        depth = normal.count("/") + 1
        try:
            wanted = PathFilter(include=(normal,))
            ignored = PathFilter(exclude=read_dockerignore(self.context, None))
        except (BadPattern, SpecError) as exc:
            raise _Refused(f"the pattern {pattern!r} cannot be read: {exc}", "fix it") from None
        matches = []
        for path in sorted(self.context.glob("/".join(["*"] * depth))):
            relative = path.relative_to(self.context).as_posix()
            if not wanted.selected(relative):
                continue
            if path.is_dir() and ignored.excluded(relative) and not ignored.has_exceptions:
                continue
            if not path.is_dir() and not ignored.selected(relative):
                continue
            matches.append(relative)
        if not matches:
            raise _Refused(
                f"the source {pattern!r} matches no file in the context {self.context}",
                "check the pattern (docker build fails on it too)",
            )
        return matches

    def context_source(self, source: Value) -> str:
        text = source.constant
        if text is None:
            return f"context / {source.python()}"
        normal = posixpath.normpath("/" + text).lstrip("/")
        if not normal:
            return "context"
        full = self.context / normal
        if not full.exists() and not full.is_symlink():
            raise _Refused(
                f"copy source {text!r} is not in the context {self.context}",
                "check the path, or give the right context with --context",
            )
        return f"context / {python_string(normal)}"

    def from_source(self, value: str, stage: _Stage, scope: _Scope) -> str:
        word = expand(value, scope.bindings, escape=self.escape)
        text = word.constant
        if text is None:
            raise _Refused("COPY --from depends on a build argument", "name the stage")
        return self.stage_or_image(text, stage, "COPY --from")

    def stage_or_image(self, name: str, stage: _Stage, what: str) -> str:
        """The variable of the earlier stage ``name`` (which ``stage`` then uses), else an
        image reference; ``what`` names the option in a refusal of a later stage."""
        other = self.stage_by_name(name)
        if other is None:
            return f"Image.from_({python_string(name)})"
        if other.index >= stage.index:
            raise _Refused(
                f"{what}={name} names this stage or a later one", "name an earlier stage"
            )
        stage.uses.add(other.index)
        return other.var

    # -- the module -----------------------------------------------------------------

    def module(self, bodies: list[str], out: _Output) -> str:
        imports = ["Image", "build", "run_script"]
        if self.uses_build_platform:
            imports.insert(0, "BUILD_PLATFORM")
        if out.uses_context:
            imports.append("Context")
        for name in ("CacheMount", "Bind", "Tmpfs", "Url"):
            if any(f"{name}(" in body for body in bodies):
                imports.append(name)
        if out.uses_secret:
            imports.append("Secret")
        source = self.dockerfile.path.name
        lines = [
            f'"""Imported from {source} by `framework import`; edit freely.',
            "",
            f"`python -m framework build {{this file}}` builds what `docker build` built"
            f" from {source}.",
            '"""',
            "",
            f"from framework import {', '.join(sorted(imports, key=lambda n: (n.islower(), n)))}",
        ]
        if self.dockerfile.header:
            lines.append("")
            lines.extend(f"# {c}" if c else "#" for c in self.dockerfile.header)
        if out.uses_context:
            lines += ["", f"CONTEXT = Context({python_string(self.context_path())})"]
        params = [
            f"{p.python}: str = {p.default}"
            if p.default is not None
            else f"{p.python}: str | None = None"
            for p in self.params.values()
        ]
        if out.uses_context:
            params.append("context: Context = CONTEXT")
        lines += ["", "", f"def {self.function}({', '.join(params)}) -> Image:"]
        lines.append(f'    """The image {source} describes."""')
        for body in bodies:
            lines.extend("    " + line if line else "" for line in body.splitlines())
        lines += [
            "",
            "",
            'if __name__ == "__main__":',
            f"    run_script(lambda: build({self.function}()))",
            "",
        ]
        return "\n".join(lines)

    def context_path(self) -> str:
        base = self.output.parent if self.output is not None else Path.cwd()
        relative = os.path.relpath(self.context, base.resolve())
        return Path(relative).as_posix()


def _checksum(value: str) -> str:
    """The hex sha256 of ``ADD --checksum=sha256:<hex>``."""
    algorithm, _, digest = value.partition(":")
    if algorithm != "sha256" or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise _Refused(
            f"ADD --checksum={value} is not sha256:<64 lowercase hex digits>",
            "give the file's sha256 (`sha256sum` prints it); other digests are not supported",
        )
    return digest


def _kwarg(name: str, expression: str) -> str:
    if name.isidentifier() and name not in ("expand",):
        return f"{name}={expression}"
    return f"**{{{python_string(name)}: {expression}}}"


def _call(method: str, arguments: list[str], expand_: bool) -> str:
    tail = ", expand=True" if expand_ else ""
    return f".{method}({', '.join(arguments)}{tail})"


def _env_dict(bindings: dict[str, Binding]) -> str:
    plain = [
        f"{python_string(name)}: {b.value.python()}"
        for name, b in bindings.items()
        if b.optional is None
    ]
    optional = [
        f"**({{{python_string(name)}: {b.optional}}} if {b.optional} is not None else {{}})"
        for name, b in bindings.items()
        if b.optional is not None
    ]
    return "{" + ", ".join([*plain, *optional]) + "}"


def python_list(words: list[str]) -> str:
    return "[" + ", ".join(python_string(w) for w in words) + "]"


def _cache_mount(target: str, fields: dict[str, str]) -> str:
    """``"target"`` or ``CacheMount(...)`` from a cache mount's options; a Dockerfile's
    defaults (sharing shared, mode 0755, uid and gid 0) are the pipeline's too."""
    args = [f"target={python_string(target)}"]
    if "id" in fields:
        args.append(f"id={python_string(fields.pop('id'))}")
    sharing = fields.pop("sharing", "shared")
    if sharing not in ("shared", "private", "locked"):
        raise _Refused(f"cache sharing {sharing!r} is not shared, private or locked", "fix it")
    if sharing != "shared":
        args.append(f"sharing={python_string(sharing)}")
    mode = fields.pop("mode", None)
    if mode is not None:
        if not re.fullmatch(r"0?[0-7]{1,4}", mode):
            raise _Refused(f"cache mount mode {mode!r} is not octal", "give e.g. mode=0755")
        if int(mode, 8) != 0o755:
            args.append(f"mode=0o{int(mode, 8):o}")
    for name in ("uid", "gid"):
        value = fields.pop(name, None)
        if value is None:
            continue
        if not value.isdigit():
            raise _Refused(f"cache mount {name} {value!r} is not a number", f"give {name}=1000")
        if int(value):
            args.append(f"{name}={int(value)}")
    _refuse_other_options("cache", fields, "keep target, id, sharing, mode, uid and gid")
    return python_string(target) if len(args) == 1 else f"CacheMount({', '.join(args)})"


def _refuse_other_options(kind: str, fields: dict[str, str], fix: str) -> None:
    if fields:
        raise _Refused(
            f"RUN --mount=type={kind} option {sorted(fields)[0]!r} is not supported", fix
        )


def _flag(fields: dict[str, str], yes: tuple[str, ...], no: tuple[str, ...]) -> bool:
    """Whether a mount's boolean option is on: ``rw``/``rw=true``; ``ro`` turns it off."""
    value = False
    for key in (*yes, *no):
        if key in fields:
            text = fields.pop(key).lower()
            if text not in ("true", "false"):
                raise _Refused(f"mount option {key}={text!r} is not true or false", "fix it")
            value = (text == "true") == (key in yes)
    return value


_RAM = re.compile(r"(\d+(?:\.\d+)*) ?([kmgtp])?i?b?", re.IGNORECASE)


def ram_bytes(text: str) -> int:
    """A tmpfs ``size=`` in bytes, read as the Dockerfile frontend does (``64m``, ``1g``,
    ``512kib``: binary units, Docker's ``RAMInBytes``)."""
    match = _RAM.fullmatch(text.strip())
    if match is None:
        raise _Refused(f"tmpfs size {text!r} is not a size", "give bytes, or e.g. 64m or 1g")
    unit = "kmgtp".find((match[2] or " ").lower()) + 1
    size = int(float(match[1]) * 1024**unit)
    if size <= 0:
        raise _Refused(f"tmpfs size {text!r} is not positive", "give a positive size")
    return size


def python_list_raw(expressions: list[str]) -> str:
    return "[" + ", ".join(expressions) + "]"


def split_words(text: str, escape: str) -> list[str]:
    """BuildKit's parseWords: split on whitespace outside quotes, keeping quotes and escapes."""
    words: list[str] = []
    word = ""
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if not quote and ch.isspace():
            if word:
                words.append(word)
                word = ""
            i += 1
            continue
        if ch == escape and quote != "'" and i + 1 < len(text):
            word += ch + text[i + 1]
            i += 2
            continue
        if quote and ch == quote:
            quote = ""
        elif not quote and ch in "'\"":
            quote = ch
        word += ch
        i += 1
    if word:
        words.append(word)
    return words


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_seconds(text: str) -> float:
    """Seconds in a Go duration (``1m30s``, ``500ms``), as Docker parses HEALTHCHECK options."""
    position, total = 0, 0.0
    while position < len(text):
        match = _DURATION.match(text, position)
        if not match:
            raise _Refused(f"{text!r} is not a duration", "write it like 30s, 1m30s or 500ms")
        total += float(match[1]) * _UNIT[match[2]]
        position = match.end()
    if not text:
        raise _Refused("an empty duration", "write it like 30s")
    return total


def _number(seconds: float) -> str:
    return str(int(seconds)) if seconds == int(seconds) else repr(seconds)
