"""Patterns against moby's patternmatcher: cases written from its tests (``TestMatch``,
``TestMatches``, ``TestSingleExclamationError``, ``TestMatchesWithMalformedPatterns``)
and from Go's ``filepath.Match`` syntax, which Docker uses to reject malformed patterns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from framework import Context, SpecError
from framework.spec.patterns import BadPattern, PathFilter, read_ignore_file

# (pattern, path, excluded): one pattern, matched as a file or any of its parents.
MATCHES = [
    # character classes, with escapes inside them
    ("[\\]a]", "]", True),
    ("[\\]a]", "a", True),
    ("[\\]a]", "b", False),
    ("[\\-]", "-", True),
    ("[x\\-]", "x", True),
    ("[x\\-]", "-", True),
    ("[x\\-]", "z", False),
    ("[\\-x]", "x", True),
    ("[\\-x]", "-", True),
    ("[\\-x]", "a", False),
    ("ab[c]", "abc", True),
    ("ab[b-d]", "abc", True),
    ("ab[e-g]", "abc", False),
    ("ab[^c]", "abc", False),
    ("ab[^b-d]", "abc", False),
    ("ab[^e-g]", "abc", True),
    ("a[^a]b", "a☺b", True),
    ("[a-ζ]*", "\u03b1", True),  # alpha
    ("*[a-ζ]", "A", False),
    ("a[b-d]e", "ae", False),
    ("a[b-d]e", "ace", True),
    ("a[^b-d]e", "aze", True),
    ("[!a]", "!", True),  # Go's classes negate with '^' only: '!' is a member
    ("[!a]", "b", False),
    # escapes outside classes
    ("a\\*b", "a*b", True),
    ("a\\*b", "ab", False),
    ("a\\\\", "a\\", True),
    # '*' and '?' stay within a segment
    ("*", "abc", True),
    ("a*/b", "abc/b", True),
    ("a*/b", "a/c/b", False),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False),
    ("a*b?c*x", "abxbbxdbxebxczzx", True),
    ("a*b?c*x", "abxbbxdbxebxczzy", False),
    ("a?b", "a☺b", True),
    ("a???b", "a☺b", False),
    ("a?b", "a/b", False),
    ("a*b", "a/b", False),
    ("abc?def", "abcZdef", True),
    ("abc?def", "abcdef", False),
    # regex characters are literal
    ("abc.def", "abcZdef", False),
    ("abc.def", "abc.def", True),
    ("a(b)c/def", "a(b)c/def", True),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", True),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    # '**'
    ("**", "dir/file", True),
    ("dir/**", "dir/dir2/file", True),
    ("**/dir2/*", "dir/dir2/file", True),
    ("**/file", "dir/dir/file", True),
    ("**/file*.txt", "dir/dir/file.txt", True),
    ("**/**/*.txt2", "dir/dir/file.txt", False),
    ("a**/*.txt", "a/dir/dir/file.txt", True),
    ("a/*.txt", "a/dir/file.txt", False),
    ("**/foo/bar", "dir/dir2/foo/bar", True),
    ("abc/**", "abc", False),
    ("**/.foo", "bar.foo", False),
    (".*", ".foo", True),
    (".*", "foo", False),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), MATCHES)
def test_matches_like_moby(pattern: str, path: str, expected: bool) -> None:
    assert PathFilter(exclude=[pattern]).excluded(path) is expected


MULTI = [
    (["**", "!util/docker/web"], "util/docker/web/foo", False),
    (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", True),
    (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", False),
    (["docs", "!docs/README.md"], "docs/README.md", False),
    (["docs/", "!docs/README.md"], "docs/README.md", False),
    (["docs/*", "!docs/README.md"], "docs/README.md", False),
    (["!fileutils.go", "*.go"], "fileutils.go", True),
    (["*.go", "!fileutils.go"], "fileutils.go", False),
    (["docs", "  !docs/README.md  "], "docs/README.md", False),
]


@pytest.mark.parametrize(("patterns", "path", "expected"), MULTI)
def test_exceptions_like_moby(patterns: list[str], path: str, expected: bool) -> None:
    assert PathFilter(exclude=patterns).excluded(path) is expected


# Every pattern Go's filepath.Match rejects with ErrBadPattern, which Docker reports as a
# syntax error, and a reversed range, which its regexp refuses.
MALFORMED = [
    ("[", "not closed"),
    ("[^", "not closed"),
    ("[^bc", "not closed"),
    ("a[", "not closed"),
    ("\\", "lone '\\'"),
    ("[-]", "unescaped '-'"),
    ("[x-]", "unescaped ']'"),
    ("[-x]", "unescaped '-'"),
    ("[a-b-c]", "unescaped '-'"),
    ("[z-a]", "'z-a' in '[...]' is reversed"),
    ("[]a]", "unescaped ']'"),
    ("[\\", "not closed"),
    ("!", "'!' needs a pattern after it"),
    ("! ", "'!' needs a pattern after it"),
    ("![", "not closed"),
]


@pytest.mark.parametrize(("pattern", "reason"), MALFORMED)
def test_malformed_patterns_are_refused(pattern: str, reason: str) -> None:
    with pytest.raises(BadPattern) as info:
        PathFilter(exclude=[pattern])
    assert info.value.pattern == pattern
    assert reason in info.value.reason


@pytest.mark.parametrize(("pattern", "reason"), [m for m in MALFORMED if m[0].strip() != "!"])
def test_malformed_include_patterns_are_refused(pattern: str, reason: str) -> None:
    with pytest.raises(BadPattern, match="malformed"):
        PathFilter(include=[pattern.removeprefix("!")])


@pytest.mark.parametrize("argument", ["include", "exclude"])
@pytest.mark.parametrize(("pattern", "reason"), MALFORMED[:11])
def test_a_context_refuses_a_malformed_pattern_naming_the_argument(
    tmp_path: Path, argument: str, pattern: str, reason: str
) -> None:
    with pytest.raises(SpecError) as info:
        Context(tmp_path, **{argument: ["ok.txt", pattern]})  # type: ignore[arg-type]
    err = info.value
    assert f"{argument}= pattern {pattern!r} is malformed" in err.problem
    assert reason in err.problem
    assert err.where is not None
    assert "test_patterns_moby.py:" in err.where


def test_a_context_refuses_a_bare_exclamation_mark(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="'!' needs a pattern after it"):
        Context(tmp_path, exclude=["build", "!"])


@pytest.mark.parametrize(("pattern", "reason"), MALFORMED)
def test_a_malformed_dockerignore_line_is_refused_naming_file_and_line(
    tmp_path: Path, pattern: str, reason: str
) -> None:
    ignore = tmp_path / ".dockerignore"
    ignore.write_text(f"# comment\n.env\n\n{pattern}\nbuild\n")
    with pytest.raises(SpecError) as info:
        Context(tmp_path)
    err = info.value
    assert f"{ignore}:4: " in err.problem
    assert reason in err.problem
    assert "dockerignore=False" in err.fix
    assert err.where is not None
    assert "test_patterns_moby.py" in err.where
    # the opt-out does not read the file at all
    assert Context(tmp_path, dockerignore=False).ignored == ()


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    ("path", "expected"), [("/build/x", True), ("/", False), ("//build", True), ("/src/a", False)]
)
def test_excluded_takes_an_absolute_path_as_relative_to_the_root(path: str, expected: bool) -> None:
    matcher = PathFilter(exclude=["build", "!build/keep"])
    assert matcher.excluded(path) is expected
    assert matcher.selected(path) is not expected


def test_read_ignore_file_like_docker() -> None:
    content = (
        "\ufefftest1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n"
        " # not a comment\n! /inverted/abs/path\n!\n! \r\n  spaced  \r\n"
    )
    assert read_ignore_file(content) == (
        (1, "test1"),
        (2, "/test2"),
        (3, "/a/file/here"),
        (5, "lastfile"),
        (7, "# not a comment"),
        (8, "!/inverted/abs/path"),
        (9, "!"),
        (10, "!"),
        (11, "spaced"),
    )
    matcher = PathFilter(exclude=[p for _, p in read_ignore_file("/test2\n/a/file/here\n")])
    assert matcher.excluded("test2")
    assert matcher.excluded("a/file/here/x")
