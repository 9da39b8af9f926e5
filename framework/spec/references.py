"""Image references (``registry:5000/name:tag``): Docker's reference grammar, checked
before a build so that a bad tag is refused with a reason instead of by the daemon.

The grammar is the one of ``github.com/distribution/reference``::

    reference  := name [ ":" tag ] [ "@" digest ]
    name       := [ domain "/" ] path-component [ "/" path-component ]*
    domain     := host [ ":" port ]
    path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
    tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}

A name is at most 255 characters. A digest (``sha256:`` and 64 lowercase hex digits, or
``sha384:``/``sha512:`` and 96/128) may follow a cache source, never a tag.
"""

from __future__ import annotations

import re

__all__ = ["cache_source_problem", "normalise", "tag_problem"]

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_HOST_PART}(?:\.{_HOST_PART})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?",
    re.ASCII,
)
_NAME_MAX = 255


def tag_problem(reference: str) -> str | None:
    """Why ``reference`` cannot name an image to tag (``name[:tag]``), or ``None``."""
    if not reference:
        return "an empty tag"
    if any(c.isspace() for c in reference):
        return f"tag {reference!r} contains whitespace"
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        name = reference.partition("@")[0]
        last = name.rsplit("/", 1)[-1]
        if ":" in last and not re.fullmatch(_TAG, last.partition(":")[2], re.ASCII):
            return (
                f"tag {reference!r}: the part after ':' must be letters, digits, '_', '.' "
                "or '-' (not starting with '.' or '-'), at most 128 characters"
            )
        if name.lower() != name and _REFERENCE.fullmatch(reference.lower()):
            return f"tag {reference!r}: the repository name must be lowercase"
        return (
            f"tag {reference!r} is not a valid image reference: "
            "expected [registry[:port]/]name[:tag] with a lowercase name"
        )
    if match["digest"] is not None:
        return f"tag {reference!r} includes a digest; a tag names the image without one"
    name_length = len(reference) - (len(match["tag"]) + 1 if match["tag"] else 0)
    if name_length > _NAME_MAX:
        return f"tag {reference!r}: its name is longer than {_NAME_MAX} characters"
    return None


def normalise(reference: str) -> str:
    """``python:3.11`` -> ``docker.io/library/python:3.11``, as BuildKit names it."""
    name, digest = reference.split("@", 1) if "@" in reference else (reference, "")
    first, _, rest = name.partition("/")
    if not rest:
        name = f"docker.io/library/{name}"
    elif not ("." in first or ":" in first or first == "localhost"):
        name = f"docker.io/{name}"
    if not digest and ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return f"{name}@{digest}" if digest else name


_DIGESTS = re.compile(r"sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128}")


def cache_source_problem(reference: str) -> str | None:
    """Why ``reference`` cannot name an image to import build cache from
    (``name[:tag][@digest]``), or ``None``. (Docker skips a malformed one silently,
    so the build would run without the cache that was asked for.)"""
    name, at, digest = reference.partition("@")
    if at and not name:
        return f"cache source {reference!r} names no image before '@'"
    if at and not _DIGESTS.fullmatch(digest):
        return (
            f"cache source {reference!r}: the digest after '@' must be 'sha256:' and 64 "
            "lowercase hex digits"
        )
    problem = tag_problem(name)
    return None if problem is None else f"cache source {reference!r}: {problem}"
