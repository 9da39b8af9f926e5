"""What lint reports: rules (an id, a title, a fix) and findings (a rule at a place)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["RULES", "Finding", "Rule", "rule"]

Scope = Literal["all", "shipped"]


@dataclass(frozen=True)
class Rule:
    """A best practice, checked by :func:`framework.lint.lint`.

    ``scope`` says which stages it looks at: ``all``, or ``shipped``, the target and the
    stages it is built ``FROM`` (what ends up in the image; a build stage whose files
    are only copied out of does not ship). ``needs_engine`` rules ask the Docker daemon
    and are skipped quietly when none answers.
    """

    id: str
    name: str
    title: str
    fix: str
    scope: Scope = "all"
    needs_engine: bool = False


@dataclass(frozen=True)
class Finding:
    """One rule broken at one place: ``where`` is the pipeline's ``file:line`` (``None``
    when the step was made outside a file); ``stage`` the plan stage's name; ``step`` the
    step as ``plan`` prints it. ``message`` never holds a secret value, only its name.
    ``silenced`` holds the reason given after the ignore comment (or ``""``) when the
    step's line silences this rule."""

    rule: str
    message: str
    fix: str
    where: str | None
    stage: str
    step: str | None = None
    silenced: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` object of this finding."""
        return {
            "rule": self.rule,
            "name": RULES[self.rule].name,
            "message": self.message,
            "fix": self.fix,
            "where": self.where,
            "stage": self.stage,
            "step": self.step,
        }

    def line(self) -> str:
        """One line for people: ``file:line: FW101 message``."""
        place = f"{self.where}: " if self.where else f"stage {self.stage}: "
        return f"{place}{self.rule} {self.message}"


_ALL = (
    Rule(
        "FW101",
        "apt-update-separate",
        "apt-get update and apt-get install in separate steps",
        "run 'apt-get update && apt-get install -y ...' in one step, so a cached update "
        "never feeds stale package lists to a changed install",
    ),
    Rule(
        "FW102",
        "apt-lists-kept",
        "apt package lists left in the image",
        "end the same step with '&& rm -rf /var/lib/apt/lists/*' (and /var/cache/apt/*.bin "
        "where the base keeps apt's caches), or mount caches at /var/lib/apt/lists and "
        "/var/cache/apt",
        scope="shipped",
    ),
    Rule(
        "FW103",
        "apt-recommends",
        "apt-get install without --no-install-recommends",
        "add --no-install-recommends and name the packages you need",
    ),
    Rule(
        "FW104",
        "base-unpinned",
        "base image without a tag, or tagged latest",
        "pin the base to a version tag (python:3.11-slim) or a digest (name@sha256:...)",
    ),
    Rule(
        "FW105",
        "base-not-slim",
        "a full base image where a slim variant is present locally",
        "start from the slim variant, adding only the packages the image needs",
        scope="shipped",
        needs_engine=True,
    ),
    Rule(
        "FW106",
        "manifest-after-source",
        "dependencies installed after the source is copied",
        "copy only the dependency manifests (requirements.txt, package.json, go.mod ...) "
        "before the install step, and the rest of the source after it",
    ),
    Rule(
        "FW107",
        "context-unfiltered",
        "a whole context copied with no excludes and no .dockerignore",
        "add a .dockerignore to the context directory, or give Context(..., exclude=[...]) "
        "or include=[...]",
    ),
    Rule(
        "FW108",
        "root-user",
        "the final image runs as root",
        "add .user('1000:1000') (or a named user the image creates) before the command",
        scope="shipped",
    ),
    Rule(
        "FW109",
        "secret-in-config",
        "a value that looks like a secret in env or labels",
        "pass it with secrets=[Secret.env('NAME').as_env('NAME')] on the run step that "
        "needs it: env values and labels are stored in the image config and history",
    ),
    Rule(
        "FW110",
        "build-tools-shipped",
        "compilers or build tools in the final image",
        "build in a separate stage and copy only its output: "
        "Image.from_(slim).copy(builder / '/out/app', '/app')",
        scope="shipped",
    ),
    Rule(
        "FW111",
        "pip-cache",
        "pip install keeps its download cache in the image",
        "add cache='/root/.cache/pip' to the run step, or pass --no-cache-dir",
        scope="shipped",
    ),
    Rule(
        "FW112",
        "add-then-delete",
        "files added in one step and deleted in a later one (they still ship)",
        "add, use and delete the files in one run step, or produce them in a build stage "
        "and copy only what is needed",
        scope="shipped",
    ),
    Rule(
        "FW113",
        "secret-in-arg",
        "a build-time variable (arg) that looks like a secret",
        "pass it with secrets=[Secret.env('NAME').as_env('NAME')] on the run step that "
        "needs it: arg values are recorded in the image history (docker history) and in "
        "the build cache",
    ),
)

RULES: dict[str, Rule] = {r.id: r for r in _ALL}
"""Every rule by id, in id order."""


def rule(rule_id: str) -> Rule:
    return RULES[rule_id]
