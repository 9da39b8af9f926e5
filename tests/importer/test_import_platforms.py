"""``FROM --platform`` becomes ``Image.from_(..., platform=...)``: ``$BUILDPLATFORM`` is
``BUILD_PLATFORM``, ``$TARGETPLATFORM`` the default, a written platform is kept; anything
else is refused with the line."""

from __future__ import annotations

import builtins
from pathlib import Path

from framework import BUILD_PLATFORM, compile
from framework.importer import convert_dockerfile


def _imported(tmp_path: Path, *lines: str) -> tuple[str, dict[str, object]]:
    path = tmp_path / "Dockerfile"
    path.write_text("\n".join(lines) + "\n")
    result = convert_dockerfile(path, output=tmp_path / "imported.py")
    assert result.ok, [str(p) for p in result.problems]
    namespace: dict[str, object] = {"__name__": "imported"}
    exec(builtins.compile(result.source, "imported.py", "exec"), namespace)
    return result.source, namespace


def test_the_build_platform_pattern_becomes_build_platform(tmp_path: Path) -> None:
    source, namespace = _imported(
        tmp_path,
        "FROM --platform=$BUILDPLATFORM golang:1.19 AS build",
        "ARG TARGETOS",
        "ARG TARGETARCH",
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go env GOARCH > /arch",
        "FROM --platform=$TARGETPLATFORM debian:bookworm-slim",
        "COPY --from=build /arch /arch",
    )
    assert 'Image.from_("golang:1.19", platform=BUILD_PLATFORM)' in source
    assert 'Image.from_("debian:bookworm-slim")' in source
    image = namespace["imported"]()  # type: ignore[operator]
    stages = compile(image).stages
    assert [stage.platform for stage in stages] == [BUILD_PLATFORM, None]


def test_a_written_platform_is_kept(tmp_path: Path) -> None:
    source, namespace = _imported(tmp_path, "FROM --platform=linux/arm64 debian:bookworm-slim")
    assert 'Image.from_("debian:bookworm-slim", platform="linux/arm64")' in source
    image = namespace["imported"]()  # type: ignore[operator]
    assert compile(image).stages[-1].platform == "linux/arm64"


def test_a_platform_from_another_argument_or_on_a_stage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(
        "FROM --platform=$ARCH debian:bookworm-slim AS a\nFROM --platform=linux/arm64 a\n"
    )
    problems = convert_dockerfile(path).problems
    assert [(p.line, p.instruction) for p in problems] == [(1, "FROM"), (2, "FROM")]
    assert "build argument" in problems[0].problem
    assert "base stage's platform" in problems[1].problem
