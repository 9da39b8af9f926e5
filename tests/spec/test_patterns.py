"""``PathFilter``: which context files are sent, with ``.dockerignore`` semantics.

The expectations of ``DOCKER_CASES`` were checked against Docker 20.10 with BuildKit:
the same tree, the patterns as ``.dockerignore``, ``COPY . /ctx`` and ``find /ctx``.
"""

from __future__ import annotations

import pytest

from framework.spec.patterns import PathFilter

TREE = (
    "CHANGES.md",
    "Dockerfile",
    "README.md",
    "a.py",
    "ab.txt",
    "b.txt",
    "build/log.txt",
    "build/out/bin",
    "docs/a.txt",
    "docs/api/x.md",
    "docs/keep.md",
    "st*r.txt",
    "sub/b.py",
    "sub/deep/c.py",
)


def excluded(patterns: list[str], tree: tuple[str, ...] = TREE) -> set[str]:
    matcher = PathFilter(exclude=patterns)
    return {path for path in tree if not matcher.selected(path)}


DOCKER_CASES = [
    # '*' stays within one segment
    (["*.md"], {"CHANGES.md", "README.md"}),
    (["docs/*.md"], {"docs/keep.md"}),
    (["*/b.py"], {"sub/b.py"}),
    # '?' is one character, not '/'
    (["?.py"], {"a.py"}),
    (["s?b"], {"sub/b.py", "sub/deep/c.py"}),
    # '**' crosses segments
    (["**/*.md"], {"CHANGES.md", "README.md", "docs/api/x.md", "docs/keep.md"}),
    (["docs/**"], {"docs/a.txt", "docs/api/x.md", "docs/keep.md"}),
    (["**/deep"], {"sub/deep/c.py"}),
    # character classes and escapes
    (["[ab].txt"], {"b.txt"}),
    (["st\\*r.txt"], {"st*r.txt"}),
    # a leading '/' is the context root, a trailing '/' changes nothing
    (["/sub"], {"sub/b.py", "sub/deep/c.py"}),
    (["sub/"], {"sub/b.py", "sub/deep/c.py"}),
    # a directory pattern excludes everything below it
    (["build"], {"build/log.txt", "build/out/bin"}),
    # '!' exceptions, last match wins
    (["docs", "!docs/keep.md"], {"docs/a.txt", "docs/api/x.md"}),
    (["docs", "!docs/api/x.md"], {"docs/a.txt", "docs/keep.md"}),
    (["*.md", "!README.md"], {"CHANGES.md"}),
    (["*.md", "!docs/keep.md"], {"CHANGES.md", "README.md"}),
    (["build", "!build/out", "build/out/bin"], {"build/log.txt", "build/out/bin"}),
    (["*", "!docs"], set(TREE) - {"docs/a.txt", "docs/api/x.md", "docs/keep.md"}),
]


@pytest.mark.parametrize(("patterns", "expected"), DOCKER_CASES)
def test_exclude_like_docker(patterns: list[str], expected: set[str]) -> None:
    assert excluded(patterns) == expected


def test_no_patterns_select_everything() -> None:
    matcher = PathFilter()
    assert all(matcher.selected(path) for path in TREE)
    assert not PathFilter(exclude=["x"]).selected("x")
    assert not PathFilter(include=["x"]).selected("y")


def test_star_does_not_cross_directories() -> None:
    matcher = PathFilter(exclude=["*.pyc"])
    assert not matcher.selected("mod.pyc")
    assert matcher.selected("pkg/mod.pyc")
    assert matcher.selected("mod.py")


def test_double_star_matches_any_number_of_segments() -> None:
    matcher = PathFilter(exclude=["**/__pycache__"])
    for path in ("__pycache__/a.pyc", "pkg/__pycache__/a.pyc", "a/b/c/__pycache__/d.pyc"):
        assert not matcher.selected(path), path
    assert matcher.selected("pkg/pycache/a.pyc")
    assert matcher.selected("pkg/__pycache__x/a.pyc")

    inner = PathFilter(exclude=["a/**/z.txt"])
    for path in ("a/z.txt", "a/b/z.txt", "a/b/c/z.txt"):
        assert not inner.selected(path), path
    assert inner.selected("b/a/z.txt")
    assert inner.selected("a/b/z.txt.bak")


def test_question_mark_is_exactly_one_character() -> None:
    matcher = PathFilter(exclude=["file?.txt"])
    assert not matcher.selected("file1.txt")
    assert matcher.selected("file.txt")
    assert matcher.selected("file12.txt")
    assert matcher.selected("file/.txt")


def test_last_matching_pattern_wins() -> None:
    assert excluded(["!README.md", "*.md"]) == {"CHANGES.md", "README.md"}
    assert excluded(["*.md", "!README.md", "README.md"]) == {"CHANGES.md", "README.md"}
    assert excluded(["*.md", "!*.md"]) == set()


def test_exception_inside_an_excluded_directory() -> None:
    matcher = PathFilter(exclude=["node_modules", "!node_modules/keep/**"])
    assert not matcher.selected("node_modules/left-pad/index.js")
    assert matcher.selected("node_modules/keep/index.js")
    assert matcher.selected("node_modules/keep/lib/deep.js")
    assert matcher.may_hold_selected("node_modules")


def test_leading_slash_and_dot_segments_are_ignored() -> None:
    assert excluded(["/README.md"]) == {"README.md"}
    assert excluded(["./README.md"]) == {"README.md"}
    assert excluded(["docs/../README.md"]) == {"README.md"}
    assert excluded(["  README.md  "]) == {"README.md"}


def test_empty_patterns_are_ignored() -> None:
    assert excluded(["", ".", "/"]) == set()
    assert PathFilter(exclude=["", ".", "/"]).selected("any/path")


def test_leading_slash_does_not_anchor_deeper() -> None:
    # '/b.py' is the root b.py only, never sub/b.py
    matcher = PathFilter(exclude=["/b.py"])
    assert matcher.selected("sub/b.py")


def test_include_list_selects_matching_paths_only() -> None:
    matcher = PathFilter(include=["src", "*.txt"])
    assert matcher.selected("src/main.py")
    assert matcher.selected("src/pkg/deep/mod.py")
    assert matcher.selected("requirements.txt")
    assert not matcher.selected("docs/notes.txt")
    assert not matcher.selected("app.py")
    assert not matcher.selected("srcx/a.py")


def test_include_and_exclude_together() -> None:
    matcher = PathFilter(include=["src"], exclude=["**/*_test.py", "!src/keep_test.py"])
    assert matcher.selected("src/app.py")
    assert not matcher.selected("src/app_test.py")
    assert not matcher.selected("src/pkg/unit_test.py")
    assert matcher.selected("src/keep_test.py")
    assert not matcher.selected("tests/app.py")


def test_include_with_double_star() -> None:
    matcher = PathFilter(include=["**/*.go", "go.mod"])
    assert matcher.selected("main.go")
    assert matcher.selected("cmd/app/main.go")
    assert matcher.selected("go.mod")
    assert not matcher.selected("README.md")
    assert not matcher.selected("cmd/app/README.md")


def test_excluded_reports_exclusion_only() -> None:
    matcher = PathFilter(include=["src"], exclude=["*.log"])
    assert matcher.excluded("x.log")
    assert not matcher.excluded("other/x.py")  # not included, but not excluded either
    assert not matcher.selected("other/x.py")


def test_may_hold_selected_prunes_excluded_directories() -> None:
    matcher = PathFilter(exclude=["build", ".git"])
    assert not matcher.may_hold_selected("build")
    assert not matcher.may_hold_selected(".git")
    assert matcher.may_hold_selected("src")
    # with an exception anywhere, a walk must look inside
    assert PathFilter(exclude=["build", "!build/keep"]).may_hold_selected("build")


def test_double_star_next_to_a_name_like_docker() -> None:
    tree = (*TREE, ".py", "sub/ab.txt")
    assert excluded(["**.py"], tree) == {".py"}
    assert excluded(["sub/**b.txt"], tree) == set()
