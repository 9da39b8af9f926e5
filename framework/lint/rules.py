"""The checks behind each rule, over a compiled plan. Pure except for ``DaemonFacts``
(FW105, and the base image's user for FW108) and reading which files a copied directory
holds (FW106).

Each stage is checked with the steps of the stages it is built ``FROM`` before its
own (an update in a base stage and an install in this one are still two steps), but
reports only its own steps, so nothing is reported twice.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from framework.lint.daemon import DaemonFacts
from framework.lint.findings import RULES, Finding
from framework.lint.shell import (
    SimpleCommand,
    commands,
    exported,
    resolve,
    written_paths,
)
from framework.plan import (
    ArgOp,
    BuildPlan,
    CopyOp,
    EnvOp,
    LabelOp,
    PlanStep,
    RunOp,
    Stage,
    StageCopyOp,
    UserOp,
    WorkdirOp,
    describe_step,
)
from framework.spec.dockerignore import IGNORE_FILE
from framework.spec.sources import ContextPath

__all__ = ["check_plan", "shipped_stages"]

MANIFESTS = (
    "requirements*.txt",
    "pyproject.toml",
    "poetry.lock",
    "Pipfile",
    "Pipfile.lock",
    "setup.py",
    "setup.cfg",
    "uv.lock",
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "go.mod",
    "go.sum",
    "Cargo.toml",
    "Cargo.lock",
    "Gemfile",
    "Gemfile.lock",
    "composer.json",
    "composer.lock",
)
_BUILD_PACKAGES = re.compile(
    r"(gcc|g\+\+|cpp|clang|llvm|build-essential|make|cmake|autoconf|automake|libtool|"
    r"golang|golang-go|rustc|cargo|gfortran|ninja-build|musl-dev|openjdk-\d+-jdk)(-[\w.]+)?(=.*)?"
)
_BUILD_BASES = {"golang", "rust", "gcc", "buildpack-deps", "maven", "gradle", "clang"}
_SECRET_NAME = re.compile(
    r"(^|[_.\-])(token|password|passwd|pwd|secret|key|apikey|credentials?|private[_.\-]?key)$",
    re.IGNORECASE,
)
_SECRET_VALUE = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\b(AKIA|ASIA)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b"
)
_APT = {"apt-get", "apt"}


@dataclass(frozen=True)
class _Step:
    stage: Stage
    step: PlanStep
    workdir: str | None  # the workdir this step runs in, as far as the plan knows


def shipped_stages(plan: BuildPlan) -> list[Stage]:
    """The target and the stages it is built FROM, base first: what the image holds."""
    return shipped_stages_of(plan, plan.target)


def check_plan(plan: BuildPlan, facts: DaemonFacts | None) -> list[Finding]:
    """Every finding of every rule, silenced or not, in stage and step order."""
    shipped = {s.id for s in shipped_stages(plan)}
    found: list[Finding] = []
    for stage in plan.stages:
        found += _Checker(plan, stage, stage.id in shipped, facts).run()
    return found


class _Checker:
    def __init__(
        self, plan: BuildPlan, stage: Stage, shipped: bool, facts: DaemonFacts | None
    ) -> None:
        self.plan, self.stage, self.shipped, self.facts = plan, stage, shipped, facts
        line = shipped_stages_of(plan, stage)
        self.chain: list[_Step] = []
        workdir: str | None = None
        for owner in line:
            for step in owner.steps:
                if isinstance(step, WorkdirOp):
                    workdir = step.path
                self.chain.append(_Step(owner, step, workdir))
        self.root = line[0]
        self.found: list[Finding] = []

    def run(self) -> list[Finding]:
        self._base()
        for index, item in enumerate(self.chain):
            if item.stage is not self.stage:
                continue
            step = item.step
            if isinstance(step, RunOp):
                self._run(index, step, item.workdir)
            elif isinstance(step, CopyOp):
                self._copy(index, step)
            elif isinstance(step, EnvOp | LabelOp):
                self._config_secrets(step)
            elif isinstance(step, ArgOp):
                self._arg_secrets(step)
        if self.stage is self.plan.target:
            self._root_user()
        return self.found

    # -- reporting --------------------------------------------------------------------

    def _report(
        self, rule_id: str, message: str, step: PlanStep | None, shown: str | None = None
    ) -> None:
        """Record a finding at ``step`` (``None``: the stage), shown as ``shown`` when
        the step as ``plan`` prints it would hold a value that must not be printed."""
        rule = RULES[rule_id]
        if rule.scope == "shipped" and not self.shipped:
            return
        origin = step.origin if step is not None else self.stage.origin
        described = shown or (None if step is None else describe_step(self.plan, step))
        self.found.append(
            Finding(
                rule=rule_id,
                message=message,
                fix=rule.fix,
                where=None if origin is None else str(origin),
                stage=self.stage.name,
                step=described,
            )
        )

    def _earlier(self, index: int) -> Iterator[_Step]:
        return iter(self.chain[:index])

    # -- the base image -------------------------------------------------------------

    def _base(self) -> None:
        base = self.stage.base
        if base is None or self.stage.base_stage is not None:
            return
        name, tag = _split_reference(base)
        if tag is None:
            self._report("FW104", f"base image {base!r} has no tag: it means latest", None)
        elif tag == "latest":
            self._report("FW104", f"base image {base!r} is tagged latest, which moves", None)
        if posixpath.basename(name) in _BUILD_BASES:
            self._report(
                "FW110",
                f"the final image is built on {base!r}, a toolchain image, so its compilers ship",
                None,
            )
        if tag is not None and "slim" not in tag and self.facts is not None:
            self._slim_variant(base, name, tag)

    def _slim_variant(self, base: str, name: str, tag: str) -> None:
        assert self.facts is not None
        local = self.facts.local_images
        if local is None:
            return
        short = name.removeprefix("docker.io/").removeprefix("library/")
        candidates = [f"{short}:slim" if tag == "latest" else f"{short}:{tag}-slim"]
        present = [c for c in candidates if c in local]
        if present:
            self._report(
                "FW105",
                f"base image {base!r} is the full variant; {present[0]!r} is present locally",
                None,
            )

    # -- run steps --------------------------------------------------------------------

    def _run(self, index: int, step: RunOp, workdir: str | None) -> None:
        parsed = commands(step)
        apt_update = any(c.program in _APT and c.subcommand() == "update" for c in parsed)
        installs = [c for c in parsed if c.program in _APT and c.subcommand() == "install"]
        if installs and not apt_update:
            for earlier in self._earlier(index):
                if isinstance(earlier.step, RunOp) and any(
                    c.program in _APT and c.subcommand() == "update" for c in commands(earlier.step)
                ):
                    self._report(
                        "FW101",
                        "apt-get install runs in another step than its apt-get update "
                        f"(at {earlier.step.origin or earlier.stage.name}); a cached update "
                        "gives it stale package lists",
                        step,
                    )
                    break
        if apt_update and not _cleans_lists(parsed) and not _caches(step, "/var/lib/apt"):
            self._report(
                "FW102",
                "apt-get update leaves its package lists (tens of MB) in this step's layer",
                step,
            )
        for install in installs:
            if not install.has_option("--no-install-recommends") and not any(
                "Install-Recommends" in a for a in install.args
            ):
                self._report(
                    "FW103",
                    "apt-get install without --no-install-recommends also installs "
                    "recommended packages",
                    step,
                )
                break
        tools = _build_tools(parsed)
        if tools:
            self._report(
                "FW110",
                f"installs build tools ({', '.join(tools)}) into the final image",
                step,
            )
        if _pip_installs(parsed) and not self._pip_cache_off(index, step, parsed):
            self._report(
                "FW111",
                "pip install keeps its download cache (~/.cache/pip) in the layer",
                step,
            )
        if _dependency_install(parsed):
            self._install_after_source(index, step)
        self._deleted_later(index, step, parsed, workdir)
        for name, _ in exported(step):
            if _SECRET_NAME.search(name):
                self._report(
                    "FW109",
                    f"the run step sets {name} in its command, which the image history records",
                    step,
                )

    def _pip_cache_off(self, index: int, step: RunOp, parsed: list[SimpleCommand]) -> bool:
        if all(c.has_option("--no-cache-dir") for c in _pip_commands(parsed)):
            return True
        if any(m.target.rstrip("/").endswith((".cache/pip", ".cache")) for m in step.cache):
            return True
        names = {n for n, _ in exported(step)}
        for earlier in self._earlier(index):
            if isinstance(earlier.step, EnvOp):
                names |= {n for n, v in earlier.step.values if v not in {"", "0", "false"}}
        return "PIP_NO_CACHE_DIR" in names

    def _install_after_source(self, index: int, step: RunOp) -> None:
        for earlier in reversed(self.chain[:index]):
            copy = earlier.step
            if not isinstance(copy, CopyOp) or not isinstance(copy.source, ContextPath):
                continue
            if copy.is_dir and _holds_manifest(copy.source):
                self._report(
                    "FW106",
                    "installs dependencies after the whole source is copied "
                    f"(at {copy.origin or earlier.stage.name}): every source change reruns "
                    "the install",
                    step,
                )
                return

    def _deleted_later(
        self, index: int, step: RunOp, parsed: list[SimpleCommand], workdir: str | None
    ) -> None:
        removed = [
            resolve(target, workdir)
            for c in parsed
            if c.program == "rm"
            for target in c.operands
            if "$" not in target
        ]
        if not removed:
            return
        for earlier in self._earlier(index):
            for added in _added_paths(earlier):
                for target in removed:
                    if _covers(target, added) or _covers(added, target):
                        self._report(
                            "FW112",
                            f"deletes {target}, which the step at "
                            f"{earlier.step.origin or earlier.stage.name} added: its bytes "
                            "still ship in that step's layer",
                            step,
                        )
                        return

    # -- copies and config --------------------------------------------------------------

    def _copy(self, index: int, step: CopyOp) -> None:
        source = step.source
        if not isinstance(source, ContextPath):
            return
        context = source.context
        if (
            source.path == "."
            and not context.include
            and not context.exclusions
            and not (context.path / IGNORE_FILE).exists()
        ):
            self._report(
                "FW107",
                f"copies the whole context {context.path.name}/ with no excludes and no "
                f"{IGNORE_FILE}: everything in it is sent and ships",
                step,
            )
        if not source.is_dir and _is_manifest(posixpath.basename(source.path)):
            for earlier in self._earlier(index):
                other = earlier.step
                if (
                    earlier.stage is self.stage
                    and isinstance(other, CopyOp)
                    and isinstance(other.source, ContextPath)
                    and not (not other.source.is_dir and _is_manifest(other.source.path))
                ):
                    self._report(
                        "FW106",
                        f"copies the manifest {source.path} after source "
                        f"(at {other.origin or self.stage.name}): source changes rerun "
                        "the install",
                        step,
                    )
                    return

    def _config_secrets(self, step: EnvOp | LabelOp) -> None:
        what = "env" if isinstance(step, EnvOp) else "label"
        for name, value in step.values:
            if not value.strip():
                continue
            if _SECRET_NAME.search(name) or _SECRET_VALUE.search(value):
                names = " ".join(f"{n}=..." for n, _ in step.values)
                self._report(
                    "FW109",
                    f"{what} {name} looks like a secret; its value is stored in the image config",
                    step,
                    shown=f"{what.upper()} {names}",  # never the values
                )

    def _arg_secrets(self, step: ArgOp) -> None:
        for name, value in step.values:
            if value is None or not value.strip():
                continue  # a platform variable, or nothing to leak
            if _SECRET_NAME.search(name) or _SECRET_VALUE.search(value):
                names = " ".join(n if v is None else f"{n}=..." for n, v in step.values)
                self._report(
                    "FW113",
                    f"arg {name} looks like a secret; its value is recorded in the image"
                    " history and the build cache",
                    step,
                    shown=f"ARG {names}",  # never the values
                )

    def _root_user(self) -> None:
        user_step: UserOp | None = None
        for item in self.chain:
            if isinstance(item.step, UserOp):
                user_step = item.step
        if user_step is not None:
            if user_step.user.split(":")[0] in {"root", "0"}:
                self._report("FW108", f"the last user step sets {user_step.user!r}", user_step)
            return
        base = self.root.base
        if base is not None and self.facts is not None:
            user = self.facts.image_user(base)
            if user and user.split(":")[0] not in {"root", "0"}:
                return
        self._report(
            "FW108",
            "no .user() step: the container runs as root"
            + (f" (as its base {base!r} does)" if base else ""),
            None,
        )


def shipped_stages_of(plan: BuildPlan, stage: Stage) -> list[Stage]:
    """``stage`` and the stages it is built FROM, base first."""
    line: list[Stage] = []
    current: Stage | None = stage
    while current is not None:
        line.insert(0, current)
        current = plan.stage(current.base_stage) if current.base_stage else None
    return line


def _split_reference(reference: str) -> tuple[str, str | None]:
    """``(name, tag)``; the tag is ``"@digest"`` for a digest reference."""
    if "@" in reference:
        name, _, digest = reference.partition("@")
        return name, "@" + digest
    last = reference.rsplit("/", 1)[-1]
    if ":" in last:
        name, _, tag = reference.rpartition(":")
        return name, tag
    return reference, None


def _cleans_lists(parsed: list[SimpleCommand]) -> bool:
    return any(
        c.program == "rm" and any(o.startswith("/var/lib/apt/lists") for o in c.operands)
        for c in parsed
    )


def _caches(step: RunOp, prefix: str) -> bool:
    return any(m.target.startswith(prefix) for m in step.cache)


def _build_tools(parsed: list[SimpleCommand]) -> list[str]:
    installed: list[str] = []
    removed: set[str] = set()
    for c in parsed:
        sub = c.subcommand()
        if c.program in {*_APT, "apk"} and sub in {"install", "add"}:
            installed += [p for p in c.operands[1:] if _BUILD_PACKAGES.fullmatch(p)]
        if c.program in {*_APT, "apk"} and sub in {"purge", "remove", "del", "autoremove"}:
            removed |= set(c.operands[1:])
    return [p for p in dict.fromkeys(installed) if p not in removed]


def _pip_commands(parsed: list[SimpleCommand]) -> list[SimpleCommand]:
    found = []
    for c in parsed:
        pip = re.fullmatch(r"pip[0-9.]*", c.program) and c.subcommand() == "install"
        module = re.fullmatch(r"python[0-9.]*", c.program) and c.args[:3] == [
            "-m",
            "pip",
            "install",
        ]
        if pip or module:
            found.append(c)
    return found


def _pip_installs(parsed: list[SimpleCommand]) -> bool:
    return bool(_pip_commands(parsed))


def _dependency_install(parsed: list[SimpleCommand]) -> bool:
    """Whether a command installs what a manifest lists (not named packages)."""
    for c in _pip_commands(parsed):
        operands = [a for a in c.operands if a not in {"install", "-m", "pip"}]
        if c.has_option("-r", "--requirement") or any(o.startswith((".", "/")) for o in operands):
            return True
    for c in parsed:
        sub = c.subcommand()
        named = c.operands[1:]
        if c.program in {"npm", "pnpm"} and sub in {"ci", "install", "i"} and not named:
            return True
        if c.program == "yarn" and (sub in {None, "install"}):
            return True
        if c.program == "go" and c.operands[:2] == ["mod", "download"]:
            return True
        if c.program == "cargo" and sub == "fetch":
            return True
        if c.program in {"bundle", "poetry", "pipenv", "composer"} and sub == "install":
            return True
        if c.program == "uv" and sub == "sync":
            return True
    return False


def _is_manifest(name: str) -> bool:
    return any(fnmatch.fnmatchcase(posixpath.basename(name), p) for p in MANIFESTS)


def _holds_manifest(source: ContextPath, limit: int = 5000) -> bool:
    """Whether the copied directory holds a dependency manifest (first two levels)."""
    chosen = source.context.path_filter()
    top = source.local_path
    seen = 0
    for directory, dirs, files in os.walk(top):
        depth = len(os.path.relpath(directory, top).split(os.sep))
        if depth >= 2:
            dirs[:] = []
        for name in files:
            seen += 1
            relative = os.path.relpath(os.path.join(directory, name), source.context.path)
            if _is_manifest(name) and chosen.selected(relative.replace(os.sep, "/")):
                return True
        if seen > limit:
            return False
    return False


def _added_paths(item: _Step) -> list[str]:
    step = item.step
    if isinstance(step, CopyOp):
        return [step.dest]
    if isinstance(step, StageCopyOp):
        return [step.dest]
    if isinstance(step, RunOp):
        return [resolve(p, item.workdir) for c in commands(step) for p in written_paths(c)]
    return []


def _covers(target: str, path: str) -> bool:
    """Whether deleting ``target`` (maybe a glob) removes ``path`` or something in it."""
    if target in {"/", ""}:
        return False
    if any(ch in target for ch in "*?["):
        return fnmatch.fnmatchcase(path, target) or fnmatch.fnmatchcase(path, target + "/*")
    return path == target or path.startswith(target.rstrip("/") + "/")
