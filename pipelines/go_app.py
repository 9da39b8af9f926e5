"""The Go example: compile in a ``golang`` stage, ship only the static binary.

``python pipelines/go_app.py`` builds ``go-app`` (and tags the build stage
``go-app-build`` to compare sizes), then prints both sizes.
"""

from __future__ import annotations

from framework import Context, Image, build, run_script
from framework.images import image_size

SOURCE = Context("../examples/go_app")


def go_builder(source: Context = SOURCE) -> Image:
    """The build stage: Go 1.19 compiling a static binary to ``/out/hello``."""
    return (
        # framework: ignore[FW108,FW110] a build stage: only /out/hello is copied out of it
        Image.from_("golang:1.19")
        .named("go-build")
        .workdir("/src")
        # framework: ignore[FW107] examples/go_app holds only go.mod and main.go
        .copy(source, ".")
        .run(
            ["go", "build", "-trimpath", "-o", "/out/hello", "."],
            env={"CGO_ENABLED": "0"},
            cache=["/root/.cache/go-build", "/go/pkg/mod"],
        )
    )


def go_app(source: Context = SOURCE) -> Image:
    """The runtime image: only the binary, on an empty base."""
    builder = go_builder(source)
    # framework: ignore[FW108] kept to the binary alone, to compare sizes; a production
    # image adds .user("65534:65534"), which needs no account on scratch
    return Image.scratch().copy(builder / "/out/hello", "/hello").entrypoint(["/hello"])


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def main() -> None:
    """Build both images and print their sizes."""
    build(go_builder(), tag="go-app-build")
    build(go_app(), tag="go-app")
    build_size, app_size = image_size("go-app-build"), image_size("go-app")
    print(f"build stage go-app-build: {_megabytes(build_size)}")
    ratio = build_size / app_size
    print(f"final image go-app:       {_megabytes(app_size)} ({ratio:.0f}x smaller)")


if __name__ == "__main__":
    run_script(main)
