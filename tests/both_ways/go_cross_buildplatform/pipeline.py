"""The Dockerfile beside this file, written as a pipeline."""

from pathlib import Path

from framework import BUILD_PLATFORM, Context, Image

CONTEXT = Context(Path(__file__).parent)


def go_cross_buildplatform() -> Image:
    """The Go toolchain runs on the machine that builds (BUILD_PLATFORM) and
    cross-compiles for the target named in TARGETOS/TARGETARCH; the runtime is the
    target's and runs the binary once while it is built."""
    build = (
        Image.from_("golang:1.19", platform=BUILD_PLATFORM)
        .named("build")
        .arg("TARGETOS", "TARGETARCH")
        .arg(CGO_ENABLED="0", GOFLAGS="-buildvcs=false")
        .workdir("/src")
        .copy(CONTEXT / "go.mod", "./")
        .copy(CONTEXT / "main.go", "./")
        .run(
            'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags "-s -w" -o /out/hello .',
            cache="/root/.cache/go-build",
        )
    )
    return (
        Image.from_("127.0.0.1:5000/framework/busybox:stable")
        .copy(build / "/out/hello", "/usr/local/bin/hello")
        .run("hello > /etc/hello.txt")
        .user("65532:65532")
        .entrypoint(["hello"])
    )
