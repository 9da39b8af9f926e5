"""The Dockerfile beside this file, written as a pipeline."""

from pathlib import Path

from framework import Context, Image

CONTEXT = Context(Path(__file__).parent)


def go_targetarch_build() -> Image:
    """A Go build for the platform BuildKit names in TARGETOS/TARGETARCH, its version
    and cgo setting as build-time variables; the runtime records the architecture."""
    build = (
        Image.from_("golang:1.19")
        .named("build")
        # BuildKit fills the platform variables; the others are build settings.
        .arg("TARGETOS", "TARGETARCH")
        .arg(VERSION="0.3.1", CGO_ENABLED="0", GOFLAGS="-buildvcs=false")
        .workdir("/src")
        .copy(CONTEXT / "go.mod", "./")
        .copy(CONTEXT / "main.go", "./")
        .run(
            "GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath"
            ' -ldflags "-s -w -X main.version=$VERSION -X main.arch=$TARGETARCH"'
            " -o /out/hello .",
            cache="/root/.cache/go-build",
        )
    )
    return (
        Image.from_("debian:bookworm-slim")
        .arg("TARGETARCH")
        .copy(build / "/out/hello", "/usr/local/bin/hello")
        .run('hello > /etc/hello.txt && echo "$TARGETARCH" > /etc/built-for')
        .user("65532:65532")
        .entrypoint(["hello"])
    )
