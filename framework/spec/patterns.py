"""``.dockerignore`` pattern matching, as Docker's own matcher does it.

Patterns are relative to the context root; a leading ``/`` is ignored. ``*`` matches
within one path segment, ``?`` one character, ``**`` any number of leading directories
(as in Docker's matcher, ``**.py`` therefore matches only files named ``.py``; write
``**/*.py``), ``[...]`` a character class (``[^...]`` negated, ``a-z`` a range, ``\\``
escapes ``]``, ``-`` and ``\\`` inside it), ``\\`` escapes the next character. A pattern
that matches a directory matches everything below it. A pattern starting with ``!`` is
an exception; the last pattern that matches a path decides.

Malformed patterns are refused as Docker refuses them (Go's ``filepath.ErrBadPattern``):
an unclosed or empty class, a ``-`` that starts or ends a range, a reversed range, a
trailing lone ``\\``, and a ``!`` with nothing after it. :class:`BadPattern` says why.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from functools import lru_cache

from framework._dataclass import dataclass

__all__ = ["BadPattern", "PathFilter", "read_ignore_file"]


class BadPattern(ValueError):
    """A pattern Docker rejects as a syntax error; ``reason`` says what is wrong."""

    def __init__(self, pattern: str, reason: str) -> None:
        self.pattern = pattern
        self.reason = reason
        super().__init__(f"pattern {pattern!r} is malformed: {reason}")


@dataclass(frozen=True)
class _Rule:
    negated: bool
    regex: re.Pattern[str]


def _rule(raw: str) -> _Rule | None:
    """An exclude pattern compiled; ``None`` when it names nothing (empty, ``.``, ``/``)."""
    text = raw.strip()
    negated = text.startswith("!")
    if negated:
        text = text[1:].strip()
        if not text:
            raise BadPattern(raw, "'!' needs a pattern after it (write '!path' to re-include path)")
    regex = _regex(raw, text)
    return None if regex is None else _Rule(negated, regex)


def _regex(raw: str, text: str) -> re.Pattern[str] | None:
    """``text`` (``raw`` without its ``!``) cleaned as Docker cleans it and compiled."""
    cleaned = posixpath.normpath(text.strip()).lstrip("/") if text.strip() else ""
    if cleaned in ("", "."):
        return None
    try:
        return _compile(cleaned)
    except BadPattern as exc:
        raise BadPattern(raw, exc.reason) from None


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                # As moby's patternmatcher: "**" and "**/" match any leading directories;
                # only at the very end does "**" match everything.
                i += 2
                if pattern.startswith("/", i):
                    i += 1
                out.append(".*" if i == n else "(?:.*/)?")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\":
            i += 1
            if i == n:
                raise BadPattern(pattern, "it ends with a lone '\\' (write '\\\\' for a backslash)")
            out.append(re.escape(pattern[i]))
        elif c == "[":
            regex, i = _char_class(pattern, i + 1)
            out.append(regex)
            continue
        else:
            out.append(re.escape(c))
        i += 1
    out.append("$")
    return re.compile("".join(out))


def _char_class(pattern: str, i: int) -> tuple[str, int]:
    """The class starting after the ``[`` at ``i - 1``, as Go's ``filepath.Match`` reads it.

    Returns the Python class (every member escaped) and the index after its ``]``.
    """
    negated = pattern.startswith("^", i)
    if negated:
        i += 1
    members: list[str] = []
    while not (members and pattern.startswith("]", i)):
        lo, i = _class_char(pattern, i)
        hi = lo
        if pattern.startswith("-", i):
            hi, i = _class_char(pattern, i + 1)
            if hi < lo:
                raise BadPattern(pattern, f"the range '{lo}-{hi}' in '[...]' is reversed")
        members.append(re.escape(lo) if lo == hi else f"{re.escape(lo)}-{re.escape(hi)}")
    return "[" + ("^" if negated else "") + "".join(members) + "]", i + 1


def _class_char(pattern: str, i: int) -> tuple[str, int]:
    unclosed = BadPattern(pattern, "a '[' character class is not closed with ']'")
    if i >= len(pattern):
        raise unclosed
    if pattern[i] in "-]":
        char = pattern[i]
        raise BadPattern(pattern, f"unescaped '{char}' in a '[...]' class (write '\\{char}')")
    if pattern[i] == "\\":
        i += 1
        if i >= len(pattern):
            raise unclosed
    if i + 1 >= len(pattern):
        raise unclosed
    return pattern[i], i + 1


class PathFilter:
    """Decides which context paths are sent: matching ``include`` and not ``exclude``.

    Raises :class:`BadPattern` for a malformed pattern.
    """

    def __init__(self, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> None:
        self._include = [r for r in (_regex(raw, raw) for raw in include) if r is not None]
        self._exclude = [rule for rule in map(_rule, exclude) if rule is not None]

    @property
    def selects_everything(self) -> bool:
        """Whether every path is sent (no include and no exclude patterns)."""
        return not self._include and not self._exclude

    @property
    def has_exceptions(self) -> bool:
        """Whether an exclude pattern is an exception (``!``): then excluded directories
        may hold files that are sent."""
        return any(rule.negated for rule in self._exclude)

    def excluded(self, path: str) -> bool:
        """Whether ``path`` (posix, relative to the root; a leading ``/`` is ignored) is
        excluded by the exclude patterns."""
        excluded = False
        for rule in self._exclude:
            if _matches_or_parent(rule.regex, path):
                excluded = not rule.negated
        return excluded

    def selected(self, path: str) -> bool:
        """Whether a file at ``path`` is sent."""
        if self._include and not any(_matches_or_parent(r, path) for r in self._include):
            return False
        return not self.excluded(path)

    def may_hold_selected(self, directory: str) -> bool:
        """Whether walking into ``directory`` can find selected files."""
        return self.has_exceptions or not self.excluded(directory)


def _matches_or_parent(regex: re.Pattern[str], path: str) -> bool:
    parts = [part for part in path.split("/") if part and part != "."]
    return any(regex.match("/".join(parts[:end])) for end in range(len(parts), 0, -1))


def read_ignore_file(text: str) -> tuple[tuple[int, str], ...]:
    """The patterns of a ``.dockerignore`` file, with their line numbers, read as Docker
    reads them: a UTF-8 BOM is dropped, lines starting with ``#`` are comments, blank
    lines are skipped, surrounding whitespace is trimmed (also after a leading ``!``).
    Malformed patterns are kept; :class:`PathFilter` refuses them."""
    patterns: list[tuple[int, str]] = []
    for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        line = raw.removesuffix("\r")
        if line.startswith("#") or not line.strip():
            continue
        pattern = line.strip()
        if pattern.startswith("!"):
            pattern = "!" + pattern[1:].strip()
        patterns.append((number, pattern))
    return tuple(patterns)
