"""Platforms: ``os/arch[/variant]`` strings, checked, and the build platform.

A platform is what ``docker build --platform`` takes: ``linux/amd64``, ``linux/arm64``,
``linux/arm/v7``. The operating system and architecture are Go's names (``GOOS``,
``GOARCH``), which is what BuildKit and registries use; common other spellings
(``x86_64``, ``aarch64``, ``armhf``) are refused with the name to use instead.

:data:`BUILD_PLATFORM` stands for the platform of the machine that builds (BuildKit's
``$BUILDPLATFORM``): a stage ``Image.from_("golang:1.19", platform=BUILD_PLATFORM)``
runs natively and cross-compiles for the target, whatever the target is.
"""

from __future__ import annotations

from typing import Final

__all__ = ["BUILD_PLATFORM", "platform_of_machine", "platform_problem"]

BUILD_PLATFORM: Final = "$BUILDPLATFORM"
"""The platform of the machine that runs the build (``FROM --platform=$BUILDPLATFORM``)."""

_OS = frozenset({"linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris"})
_ARCH = frozenset(
    {"386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le",
     "ppc64", "ppc64le", "riscv64", "s390x", "wasm"}
)  # fmt: skip
_VARIANTS = {
    "arm": frozenset({"v5", "v6", "v7", "v8"}),
    "arm64": frozenset({"v8", "v8.0", "v8.1", "v8.2", "v8.3", "v8.4", "v9", "v9.0"}),
    "amd64": frozenset({"v1", "v2", "v3", "v4"}),
}
# Other names of an architecture (uname, Debian, Rust), and the platform they mean.
_ALIASES = {
    "x86_64": "amd64", "x86-64": "amd64", "x64": "amd64", "aarch64": "arm64",
    "armhf": "arm/v7", "armel": "arm/v6", "armv7": "arm/v7", "armv7l": "arm/v7",
    "armv6": "arm/v6", "i386": "386", "i686": "386", "x86": "386",
}  # fmt: skip


def platform_problem(text: object) -> str | None:
    """What is wrong with the platform ``text`` (``None``: it is a valid ``os/arch[/variant]``)."""
    if not isinstance(text, str):
        return f"a platform is a string like 'linux/arm64', not {type(text).__name__}"
    parts = text.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        return f"platform {text!r} is not os/arch[/variant] (e.g. 'linux/arm64')"
    os_name, arch, *variant = parts
    if os_name not in _OS:
        return f"platform {text!r} names an unknown operating system {os_name!r}" + _known(_OS)
    if arch not in _ARCH:
        alias = _ALIASES.get(arch.lower())
        if alias is not None:
            return (
                f"platform {text!r}: the architecture {arch!r} is spelled "
                f"{alias.split('/')[0]!r} in a platform (did you mean '{os_name}/{alias}'?)"
            )
        return f"platform {text!r} names an unknown architecture {arch!r}" + _known(_ARCH)
    if variant and variant[0] not in _VARIANTS.get(arch, frozenset()):
        known = _VARIANTS.get(arch)
        return f"platform {text!r}: {variant[0]!r} is not a variant of {arch}" + (
            _known(known) if known else f" ({arch} has none)"
        )
    return None


def platform_of_machine(os_name: str, machine: str) -> str:
    """The platform of a machine that reports ``os_name`` and ``machine`` (``uname``'s
    ``x86_64``, or Go's ``amd64``): ``linux/amd64``."""
    arch = _ALIASES.get(machine.lower(), machine.lower())
    return f"{os_name.lower()}/{arch}"


def _known(names: frozenset[str]) -> str:
    return f" (known: {', '.join(sorted(names))})"
