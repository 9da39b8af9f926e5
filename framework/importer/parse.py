"""A Dockerfile's instructions, as BuildKit's parser (``frontend/dockerfile/parser``) reads
them: parser directives, line continuations, comment lines (also inside a continued
instruction), builder flags and the JSON (exec) form.

Only the structure is read here; the words are expanded by :mod:`.expansion`, where
each instruction expands them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Dockerfile", "Instruction", "parse_dockerfile"]

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")


@dataclass(frozen=True)
class Instruction:
    """One instruction: its keyword (upper case), flags, the rest of the line and where
    it is. ``lines`` are the physical lines of its arguments after the keyword and
    flags, as continued (the escape character and the line break removed, comment lines
    dropped); ``rest`` is them joined, as BuildKit joins them."""

    keyword: str
    flags: tuple[tuple[str, str | None], ...]
    lines: tuple[str, ...]
    line: int
    comments: tuple[str, ...] = ()

    @property
    def rest(self) -> str:
        return "".join(self.lines).strip()

    def json_form(self) -> list[str] | None:
        """The exec (JSON) form's words, or ``None`` for the shell form."""
        rest = self.rest
        if not rest.startswith("["):
            return None
        try:
            words = json.loads(rest)
        except ValueError:
            return None
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            return words
        return None

    def flag_values(self, name: str) -> list[str | None]:
        return [value for flag, value in self.flags if flag == name]


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    instructions: tuple[Instruction, ...]
    escape: str = "\\"
    directives: dict[str, str] = field(default_factory=dict)
    header: tuple[str, ...] = ()


def parse_dockerfile(path: Path, text: str | None = None) -> Dockerfile:
    """Parse the Dockerfile at ``path`` (or ``text``, reported as ``path``)."""
    if text is None:
        text = path.read_text(encoding="utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    physical = text.splitlines()
    escape = "\\"
    directives: dict[str, str] = {}
    number = 0
    for raw in physical:
        match = _DIRECTIVE.match(raw.strip())
        if not match or match[1].lower() in directives:
            break
        directives[match[1].lower()] = match[2]
        number += 1
    if directives.get("escape") == "`":
        escape = "`"
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")

    instructions: list[Instruction] = []
    comments: list[str] = []
    header: list[str] = []
    seen_instruction = False
    while number < len(physical):
        raw = physical[number]
        number += 1
        stripped = raw.strip()
        if not stripped:
            if not seen_instruction and comments:
                header.extend([*comments, ""])
                comments = []
            elif comments:
                comments.append("")
            continue
        if stripped.startswith("#"):
            comments.append(stripped[1:].strip())
            continue
        start = number
        lines, number = _continued(raw.lstrip(), physical, number, continuation, comments)
        keyword, _, first_rest = lines[0].partition(" ")
        if "\t" in keyword:
            keyword, _, tail = keyword.partition("\t")
            first_rest = tail + " " + first_rest if first_rest else tail
        lines[0] = first_rest
        flags, lines = _flags(lines)
        while comments and comments[-1] == "":
            comments.pop()
        instructions.append(
            Instruction(keyword.upper(), tuple(flags), tuple(lines), start, tuple(comments))
        )
        comments = []
        seen_instruction = True
    return Dockerfile(path, tuple(instructions), escape, directives, tuple(header))


def _continued(
    first: str, physical: list[str], number: int, continuation: re.Pattern[str], comments: list[str]
) -> tuple[list[str], int]:
    """The lines of the instruction starting with ``first``, and the next line's index.
    Comment lines inside it go to ``comments``; empty lines inside it are skipped."""
    lines: list[str] = []
    current = first
    while True:
        trimmed = current.rstrip("\r\n")
        if not continuation.search(trimmed):
            lines.append(trimmed)
            return lines, number
        lines.append(continuation.sub("", trimmed))
        while number < len(physical):
            following = physical[number]
            number += 1
            if following.strip().startswith("#"):
                comments.append(following.strip()[1:].strip())
            elif following.strip():
                current = following
                break
        else:
            return lines, number


_FLAG = re.compile(r"\s*--([A-Za-z][A-Za-z0-9-]*)(?:=((?:\"[^\"]*\"|'[^']*'|\S)*))?(?=\s|$)")


def _flags(lines: list[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Builder flags (``--from=stage``) at the start of the arguments, and what follows."""
    flags: list[tuple[str, str | None]] = []
    text = "\n".join(lines)
    while True:
        match = _FLAG.match(text)
        if not match:
            break
        value = match[2]
        if value is not None and len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        flags.append((match[1].lower(), value))
        text = text[match.end() :]
    rest = text.lstrip(" \t").split("\n")
    if len(rest) > 1 and not rest[0].strip():
        rest = rest[1:]
    return flags, rest
