"""What an import gives back: the pipeline's source and the problems found."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framework.errors import SpecError

__all__ = ["ImportRefused", "ImportResult", "Problem"]


@dataclass(frozen=True)
class Problem:
    """A Dockerfile construct the pipeline cannot express: where, what and what to do."""

    file: Path
    line: int
    instruction: str
    problem: str
    fix: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.instruction}: {self.problem}; {self.fix}"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "line": self.line,
            "instruction": self.instruction,
            "problem": self.problem,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class ImportResult:
    """``source`` is the generated pipeline (empty when ``problems`` is not); ``function``
    the name of its pipeline function; ``notes`` what the reader should know (stages
    left out because the last stage does not use them)."""

    source: str
    function: str
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(SpecError):
    """The Dockerfile uses constructs the importer refuses; ``problems`` lists them."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"{first.instruction}: {first.problem}{more}", fix=first.fix, where=first.where
        )
        self.problems = problems
