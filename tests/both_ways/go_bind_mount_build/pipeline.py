"""The Dockerfile beside this file, written as a pipeline."""

from pathlib import Path

from framework import Bind, Context, Image, Tmpfs

CONTEXT = Context(Path(__file__).parent)
GO_BUILD = "GOCACHE=/tmp/go-build CGO_ENABLED=0{env} go build -trimpath -buildvcs=false"
GO_BUILD += " -ldflags=-buildid= -o /out/{name} ."


def go_bind_mount_build() -> Image:
    """A Go cross-build from the bound source tree (never copied), its build cache in a
    tmpfs; the runtime stage binds the binaries out of the build stage."""
    build = (
        Image.from_("golang:1.19")
        .workdir("/src")
        .run(
            GO_BUILD.format(env=" GOOS=linux GOARCH=arm64", name="hello-arm64")
            + " && "
            + GO_BUILD.format(env="", name="hello"),
            mounts=[Bind(CONTEXT, "/src"), Tmpfs("/tmp")],
        )
        .named("build")
    )
    return (
        Image.from_("debian:bookworm-slim")
        .run(
            "cp /mnt/hello /mnt/hello-arm64 /usr/local/bin/"
            " && /usr/local/bin/hello > /etc/hello.txt",
            mounts=Bind(build / "/out", "/mnt"),
        )
        .user("65534:65534")
        .entrypoint(["/usr/local/bin/hello"])
    )
