"""BuildKit's word expansion (``frontend/dockerfile/shell/lex.go``), computed symbolically.

A Dockerfile expands ``$VAR`` in the words of FROM, COPY, ADD, ENV, ARG, LABEL, USER,
WORKDIR and EXPOSE (never in RUN, CMD, ENTRYPOINT or HEALTHCHECK, whose shell does it).
The importer expands the same words the same way, except that a build argument is a
parameter of the generated function: its value is unknown until the pipeline runs. So a
word expands to a :class:`Value`, a sequence of literal text, Python expressions over the
parameters (``Py``) and references to a variable only the base image can hold
(``BaseRef``, which ``.env(..., expand=True)`` resolves at build time).

The rules, as lex.go has them: outside quotes the escape character (``\\``, or the
``# escape=`` one) makes the next character literal and is dropped at the end of a word;
single quotes keep everything literally; inside double quotes only ``"``, ``$`` and the
escape character can be escaped and ``$`` expands; ``$NAME``, ``${NAME}``,
``${NAME:-word}`` (unset or empty: word), ``${NAME:+word}`` (set and not empty: word),
``${NAME-word}`` (unset: word), ``${NAME+word}`` (set: word); the word of a modifier is
itself expanded, quotes included. A ``$`` not followed by a name stays ``$``; ``$1`` and
``$@``-style special names expand to nothing (no such variable). Unsupported forms
(``${NAME:?msg}``, ``${NAME#pat}``, ``${NAME%pat}``, ``${NAME/a/b}``) raise
:class:`ExpansionError`, which the importer reports with the Dockerfile line.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "BaseRef",
    "Binding",
    "ExpansionError",
    "Lit",
    "Py",
    "Value",
    "expand",
    "python_string",
]


class ExpansionError(Exception):
    """A word the importer cannot expand faithfully: ``problem`` and ``fix`` say why."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


@dataclass(frozen=True)
class Lit:
    """Literal text."""

    text: str


@dataclass(frozen=True)
class Py:
    """A Python expression of type ``str`` (over the generated function's parameters)."""

    expr: str


@dataclass(frozen=True)
class BaseRef:
    """``$NAME`` of a variable the Dockerfile does not set: the base image's, if any."""

    name: str


Piece = Lit | Py | BaseRef


@dataclass(frozen=True)
class Value:
    """An expanded word: its pieces, joined."""

    pieces: tuple[Piece, ...] = ()

    @staticmethod
    def of(*pieces: Piece) -> Value:
        merged: list[Piece] = []
        for piece in pieces:
            if isinstance(piece, Lit) and not piece.text:
                continue
            if isinstance(piece, Lit) and merged and isinstance(merged[-1], Lit):
                merged[-1] = Lit(merged[-1].text + piece.text)
            else:
                merged.append(piece)
        return Value(tuple(merged))

    def __add__(self, other: Value) -> Value:
        return Value.of(*self.pieces, *other.pieces)

    @property
    def constant(self) -> str | None:
        """The text, when the value holds no parameter or base reference."""
        if all(isinstance(p, Lit) for p in self.pieces):
            return "".join(p.text for p in self.pieces if isinstance(p, Lit))
        return None

    @property
    def base_refs(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.pieces if isinstance(p, BaseRef))

    def python(self) -> str:
        """This value as a Python ``str`` expression (base references kept as ``$NAME``)."""
        if len(self.pieces) == 1 and isinstance(self.pieces[0], Py):
            expr = self.pieces[0].expr
            return expr if expr.isidentifier() else f"({expr})"
        if not any(isinstance(p, Py) for p in self.pieces):
            return python_string(_text(self.pieces))
        if all(not isinstance(p, Py) or p.expr.isidentifier() for p in self.pieces):
            body = "".join(
                "{" + p.expr + "}" if isinstance(p, Py) else _fstring_text(_text((p,)))
                for p in self.pieces
            )
            return 'f"' + body + '"'
        parts = [
            f"({p.expr})" if isinstance(p, Py) else python_string(_text((p,))) for p in self.pieces
        ]
        return " + ".join(parts)


def _text(pieces: tuple[Piece, ...]) -> str:
    return "".join(
        p.text if isinstance(p, Lit) else f"${{{p.name}}}" for p in pieces if not isinstance(p, Py)
    )


def python_string(text: str) -> str:
    """A double-quoted Python literal for ``text``."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    escaped = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", lambda m: f"\\x{ord(m[0]):02x}", escaped)
    return f'"{escaped}"'


def _fstring_text(text: str) -> str:
    return python_string(text)[1:-1].replace("{", "{{").replace("}", "}}")


@dataclass(frozen=True)
class Binding:
    """What a variable holds at a point of the Dockerfile.

    ``optional`` names a ``str | None`` parameter (an ARG without a default): the
    variable is unset when it is ``None``. Otherwise the variable is set to ``value``.
    """

    value: Value
    optional: str | None = None

    @staticmethod
    def text(text: str) -> Binding:
        return Binding(Value.of(Lit(text)))

    def as_text(self) -> Value:
        """The value as text (an unset optional parameter is empty)."""
        if self.optional is not None:
            return Value.of(Py(f"{self.optional} or ''"))
        return self.value


_SPECIAL = set("@*#?-$!0")


class _Lexer:
    def __init__(
        self, word: str, scope: Mapping[str, Binding], base_may_set: bool, escape: str
    ) -> None:
        self.word = word
        self.pos = 0
        self.scope = scope
        self.base_may_set = base_may_set
        self.escape = escape

    def peek(self) -> str:
        return self.word[self.pos] if self.pos < len(self.word) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1
        return ch

    def stop_on(self, stop: str) -> Value:
        """lex.go processStopOn: the word up to ``stop`` (consumed), or to the end."""
        result = Value()
        literal = ""
        while self.pos < len(self.word):
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                return result + Value.of(Lit(literal))
            if ch == "'":
                literal += self.single_quote()
            elif ch == '"':
                result = result + Value.of(Lit(literal)) + self.double_quote()
                literal = ""
            elif ch == "$":
                result = result + Value.of(Lit(literal)) + self.dollar()
                literal = ""
            else:
                self.next()
                if ch == self.escape:
                    if self.pos >= len(self.word):
                        break  # an escape at the end of the word is dropped
                    ch = self.next()
                literal += ch
        if stop:
            raise ExpansionError(
                f"unexpected end of word while looking for {stop!r}", fix="close the braces"
            )
        return result + Value.of(Lit(literal))

    def single_quote(self) -> str:
        self.next()
        end = self.word.find("'", self.pos)
        if end < 0:
            raise ExpansionError(
                "unexpected end of word while looking for a matching single quote",
                fix="close the quote",
            )
        text = self.word[self.pos : end]
        self.pos = end + 1
        return text

    def double_quote(self) -> Value:
        self.next()
        result = Value()
        literal = ""
        while True:
            if self.pos >= len(self.word):
                raise ExpansionError(
                    "unexpected end of word while looking for a matching double quote",
                    fix="close the quote",
                )
            ch = self.peek()
            if ch == '"':
                self.next()
                break
            if ch == "$":
                result = result + Value.of(Lit(literal)) + self.dollar()
                literal = ""
                continue
            ch = self.next()
            if ch == self.escape:
                following = self.peek()
                if following == "":
                    continue
                if following in ('"', "$", self.escape):
                    ch = self.next()
            literal += ch
        return result + Value.of(Lit(literal))

    def name(self) -> str:
        start = self.pos
        if self.peek().isdigit():
            while self.peek().isdigit():
                self.next()
            return self.word[start : self.pos]
        if self.peek() in _SPECIAL and self.peek() != "":
            return self.next()
        while self.peek() != "" and (self.peek().isalnum() or self.peek() == "_"):
            self.next()
        return self.word[start : self.pos]

    def lookup(self, name: str) -> Binding | None:
        return self.scope.get(name)

    def plain(self, name: str) -> Value:
        binding = self.lookup(name)
        if binding is not None:
            return binding.as_text()
        if self.base_may_set and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            return Value.of(BaseRef(name))
        return Value()

    def dollar(self) -> Value:
        self.next()
        if self.peek() != "{":
            name = self.name()
            return Value.of(Lit("$")) if not name else self.plain(name)
        self.next()
        if self.peek() == "":
            raise ExpansionError("syntax error: missing '}'", fix="close the braces")
        if self.peek() in "{}:":
            raise ExpansionError("syntax error: bad substitution", fix="write ${NAME}")
        name = self.name()
        ch = self.next()
        if ch == "}":
            return self.plain(name)
        if ch == ":":
            modifier = self.next()
            if modifier in "+-":
                return self.modify(name, modifier, self.stop_on("}"), empty_is_unset=True)
            raise _unsupported(f"${{{name}:{modifier}...}}")
        if ch in "+-":
            return self.modify(name, ch, self.stop_on("}"), empty_is_unset=False)
        raise _unsupported(f"${{{name}{ch}...}}")

    def modify(self, name: str, modifier: str, word: Value, *, empty_is_unset: bool) -> Value:
        binding = self.lookup(name)
        form = f"${{{name}{':' if empty_is_unset else ''}{modifier}...}}"
        if binding is None:
            if self.base_may_set:
                raise ExpansionError(
                    f"{form} tests {name}, which this Dockerfile does not set (the base image"
                    " may): the importer cannot know its value",
                    fix=f"declare ARG {name} or ENV {name} before this line, or write the value",
                )
            return word if modifier == "-" else Value()
        if word.base_refs:
            raise ExpansionError(
                f"{form} falls back to ${word.base_refs[0]}, a variable of the base image",
                fix="write the value, or set the variable with ENV first",
            )
        if binding.optional is not None and not empty_is_unset:
            param = binding.optional
            if modifier == "-":
                return Value.of(Py(f"{word.python()} if {param} is None else {param}"))
            return Value.of(Py(f"'' if {param} is None else {word.python()}"))
        if not empty_is_unset:
            return binding.value if modifier == "-" else word
        text = binding.value.constant if binding.optional is None else None
        if text is not None:
            if modifier == "-":
                return binding.value if text else word
            return word if text else Value()
        if binding.value.base_refs:
            raise ExpansionError(
                f"{form} tests {name}, whose value comes from the base image",
                fix="write the value explicitly",
            )
        test = binding.optional or _parenthesised(binding.value)
        if modifier == "-":
            return Value.of(Py(f"{test} or {word.python()}"))
        return Value.of(Py(f"{word.python()} if {test} else ''"))


def _parenthesised(value: Value) -> str:
    expr = value.python()
    return expr if expr.isidentifier() else f"({expr})"


def _unsupported(form: str) -> ExpansionError:
    return ExpansionError(
        f"the substitution {form} is not supported by the importer",
        fix="use $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word}, ${NAME-word} or ${NAME+word},"
        " or write the value",
    )


def expand(
    word: str, scope: Mapping[str, Binding], *, base_may_set: bool = False, escape: str = "\\"
) -> Value:
    """Expand one Dockerfile word as BuildKit's ProcessWord does, quotes removed.

    ``scope`` maps the variables the Dockerfile has set (ARG and ENV) to their bindings.
    A name it lacks expands to nothing, or to a :class:`BaseRef` when ``base_may_set``
    (the stage's base image may set it).
    """
    return _Lexer(word, scope, base_may_set, escape).stop_on("")


def identifier(name: str, taken: set[str]) -> str:
    """A snake_case Python identifier for ``name`` not in ``taken`` (which it joins)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    snake = re.sub(r"[^0-9a-zA-Z_]+", "_", snake).strip("_").lower() or "value"
    if snake[0].isdigit():
        snake = "_" + snake
    if keyword.iskeyword(snake) or snake in {"str", "int", "list", "dict", "type"}:
        snake += "_"
    candidate, n = snake, 2
    while candidate in taken:
        candidate, n = f"{snake}_{n}", n + 1
    taken.add(candidate)
    return candidate
