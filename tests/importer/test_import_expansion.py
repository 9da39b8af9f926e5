"""BuildKit's word expansion (lex.go), as the importer computes it: a table of cases.

Constant cases are checked against the text BuildKit produces; cases over a build
argument (a parameter of the generated function) are checked by evaluating the Python
expression the importer writes, for each value the argument can take.
"""

from __future__ import annotations

import pytest

from framework.importer.expansion import (
    BaseRef,
    Binding,
    ExpansionError,
    Lit,
    Py,
    Value,
    expand,
)

SCOPE = {
    "NAME": Binding.text("world"),
    "EMPTY": Binding.text(""),
    "SPACED": Binding.text("a b"),
}

CONSTANT = [
    ("plain", "plain"),
    ("$NAME", "world"),
    ("${NAME}", "world"),
    ("pre${NAME}post", "preworldpost"),
    ("$NAME.txt", "world.txt"),
    ("$UNSET", ""),
    ("${UNSET}", ""),
    ("${NAME:-x}", "world"),
    ("${EMPTY:-x}", "x"),
    ("${UNSET:-x}", "x"),
    ("${NAME:+x}", "x"),
    ("${EMPTY:+x}", ""),
    ("${UNSET:+x}", ""),
    ("${NAME-x}", "world"),
    ("${EMPTY-x}", ""),
    ("${UNSET-x}", "x"),
    ("${NAME+x}", "x"),
    ("${EMPTY+x}", "x"),
    ("${UNSET+x}", ""),
    ("${UNSET:-${NAME}}", "world"),
    ("${UNSET:-'a b'}", "a b"),
    ('${UNSET:-"$NAME"}', "world"),
    ("'$NAME'", "$NAME"),
    ('"$NAME"', "world"),
    ('"a \\"q\\" b"', 'a "q" b'),
    ('"\\$NAME"', "$NAME"),
    ('"\\n"', "\\n"),
    ("\\$NAME", "$NAME"),
    ("a\\ b", "a b"),
    ("trailing\\", "trailing"),
    ("$", "$"),
    ("a$", "a$"),
    ("$1", ""),
    ("'it''s'", "its"),
    ("C:\\\\path", "C:\\path"),
    ("$SPACED", "a b"),
]


@pytest.mark.parametrize(("word", "expected"), CONSTANT)
def test_constant_words_expand_as_buildkit_does(word: str, expected: str) -> None:
    assert expand(word, SCOPE).constant == expected


def test_the_escape_directive_changes_the_escape_character() -> None:
    assert expand("`$NAME", SCOPE, escape="`").constant == "$NAME"
    assert expand("C:\\path", SCOPE, escape="`").constant == "C:\\path"


def _evaluate(value: Value, **params: str | None) -> str:
    return str(eval(value.python(), {}, params))


# An ARG with a default (parameter ``version: str``) and one without (``extra: str | None``).
PARAM_SCOPE = {
    "VERSION": Binding(Value.of(Py("version"))),
    "EXTRA": Binding(Value(), optional="extra"),
}
SYMBOLIC = [
    ("python:${VERSION}-slim", {"version": "3.11"}, "python:3.11-slim"),
    ("${VERSION:-none}", {"version": ""}, "none"),
    ("${VERSION:-none}", {"version": "1"}, "1"),
    ("${VERSION:+set}", {"version": ""}, ""),
    ("${VERSION:+set}", {"version": "1"}, "set"),
    ("${EXTRA-unset}", {"extra": None}, "unset"),
    ("${EXTRA-unset}", {"extra": ""}, ""),
    ("${EXTRA+set}", {"extra": None}, ""),
    ("${EXTRA+set}", {"extra": ""}, "set"),
    ("${EXTRA:-d}", {"extra": None}, "d"),
    ("${EXTRA:-d}", {"extra": ""}, "d"),
    ("${EXTRA:-d}", {"extra": "x"}, "x"),
    ("$EXTRA", {"extra": None}, ""),
    ("a'$VERSION'b\"$VERSION\"", {"version": "v"}, "a$VERSIONbv"),
    ("${EXTRA:-${VERSION}-x}", {"extra": None, "version": "v"}, "v-x"),
    ("{braces} $VERSION", {"version": "v"}, "{braces} v"),
    ('"quote\\"$VERSION"', {"version": "v"}, 'quote"v'),
]


@pytest.mark.parametrize(("word", "params", "expected"), SYMBOLIC)
def test_words_over_build_arguments_evaluate_as_buildkit_would(
    word: str, params: dict[str, str | None], expected: str
) -> None:
    value = expand(word, PARAM_SCOPE)
    scope = {"version": None, "extra": None, **params}
    assert _evaluate(value, **scope) == expected


def test_a_variable_only_the_base_image_may_set_stays_a_reference() -> None:
    value = expand("/venv/bin:$PATH", {}, base_may_set=True)
    assert value == Value((Lit("/venv/bin:"), BaseRef("PATH")))
    assert value.python() == '"/venv/bin:${PATH}"'
    assert expand("$PATH", {}, base_may_set=False).constant == ""


@pytest.mark.parametrize(
    "word",
    ["${NAME:?required}", "${NAME#pre}", "${NAME%suf}", "${NAME/a/b}", "${}", "${:x}", "${NAME"],
)
def test_unsupported_or_malformed_substitutions_are_refused(word: str) -> None:
    with pytest.raises(ExpansionError) as raised:
        expand(word, SCOPE)
    assert raised.value.fix


def test_a_modifier_on_a_base_image_variable_is_refused() -> None:
    with pytest.raises(ExpansionError, match="does not set"):
        expand("${HOME:-/root}", {}, base_may_set=True)


def test_unclosed_quotes_are_refused() -> None:
    for word in ("'open", '"open'):
        with pytest.raises(ExpansionError, match="quote"):
            expand(word, SCOPE)
