"""BuildKit's automatic platform variables, from the platforms of a build.

A stage may declare ``TARGETPLATFORM``, ``TARGETOS``, ``TARGETARCH``, ``TARGETVARIANT``
(the platform built for) and ``BUILDPLATFORM``, ``BUILDOS``, ``BUILDARCH``,
``BUILDVARIANT`` (the platform the build runs on) by name; the plan leaves their values
``None``. A Dockerfile gets them from BuildKit; an engine that runs steps itself fills
them here, as BuildKit does: ``TARGETPLATFORM`` is ``os/arch`` or ``os/arch/variant``
and a missing variant is the empty string.
"""

from __future__ import annotations

from framework.plan.ops import BuildArgs

__all__ = ["fill_platform_args", "platform_values"]


def platform_values(target: str, build: str) -> dict[str, str]:
    """The eight variables for building on ``build`` for ``target`` (``linux/arm64``)."""
    values: dict[str, str] = {}
    for prefix, platform in (("TARGET", target), ("BUILD", build)):
        parts = platform.split("/")
        os_, arch = parts[0], parts[1] if len(parts) > 1 else ""
        variant = parts[2] if len(parts) > 2 else ""
        if arch == "arm64" and variant == "v8":  # BuildKit normalises linux/arm64/v8
            variant = ""
        values[f"{prefix}PLATFORM"] = "/".join(p for p in (os_, arch, variant) if p)
        values[f"{prefix}OS"] = os_
        values[f"{prefix}ARCH"] = arch
        values[f"{prefix}VARIANT"] = variant
    return values


def fill_platform_args(args: BuildArgs, target: str, build: str) -> tuple[tuple[str, str], ...]:
    """``args`` with each value left ``None`` filled from the platforms."""
    known = platform_values(target, build)
    return tuple((name, known[name] if value is None else value) for name, value in args)
