"""``.dockerignore`` pattern matching, as Docker's own matcher does it.

Patterns are relative to the context root; a leading ``/`` is ignored. ``*`` matches
within one path segment, ``?`` one character, ``**`` any number of leading directories
(as in Docker's matcher, ``**.py`` therefore matches only files named ``.py``; write
``**/*.py``), ``[...]`` a character class, ``\\`` escapes the next character. A pattern
that matches a directory matches everything below it. A pattern starting with ``!`` is an exception;
the last pattern that matches a path decides.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from functools import lru_cache

__all__ = ["PathFilter"]


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    out = ["^"]
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                # As moby's patternmatcher: "**" and "**/" match any leading directories;
                # only at the very end does "**" match everything.
                i += 2
                if pattern.startswith("/", i):
                    i += 1
                out.append(".*" if i == len(pattern) else "(?:.*/)?")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("^"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    out.append("$")
    return re.compile("".join(out))


def _clean(pattern: str) -> str:
    cleaned = posixpath.normpath(pattern.strip()).lstrip("/")
    return "" if cleaned == "." else cleaned


class PathFilter:
    """Decides which context paths are sent: matching ``include`` and not ``exclude``."""

    def __init__(self, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> None:
        self._include = [_compile(p) for p in map(_clean, include) if p]
        self._exclude: list[tuple[bool, re.Pattern[str]]] = []
        for raw in exclude:
            negated = raw.strip().startswith("!")
            cleaned = _clean(raw.strip()[1:] if negated else raw)
            if cleaned:
                self._exclude.append((negated, _compile(cleaned)))

    @property
    def trivial(self) -> bool:
        return not self._include and not self._exclude

    def excluded(self, path: str) -> bool:
        """Whether ``path`` (relative, posix) is excluded by the exclude patterns."""
        excluded = False
        for negated, regex in self._exclude:
            if _matches_or_parent(regex, path):
                excluded = not negated
        return excluded

    def selected(self, path: str) -> bool:
        """Whether a file at ``path`` is sent."""
        if self._include and not any(_matches_or_parent(r, path) for r in self._include):
            return False
        return not self.excluded(path)

    def may_hold_selected(self, directory: str) -> bool:
        """Whether walking into ``directory`` can find selected files."""
        has_exceptions = any(negated for negated, _ in self._exclude)
        return has_exceptions or not self.excluded(directory)


def _matches_or_parent(regex: re.Pattern[str], path: str) -> bool:
    if regex.match(path):
        return True
    parent = posixpath.dirname(path)
    while parent:
        if regex.match(parent):
            return True
        parent = posixpath.dirname(parent)
    return False
