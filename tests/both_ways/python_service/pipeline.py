"""The Dockerfile beside this file, written as a pipeline."""

from pathlib import Path

from framework import Context, Image

CONTEXT = Context(Path(__file__).parent)


def python_service() -> Image:
    """A service image: env extended from the base's PATH, a bash shell, a volume."""
    return (
        Image.from_("python:3.11-slim")
        .env(APP_HOME="/srv/app")
        .env(PATH="/srv/app/bin:$PATH", expand=True)
        .workdir("/srv/app")
        .copy(CONTEXT / "app", "./", owner="1000:1000")
        .run(
            "mkdir -p bin data && printf '#!/bin/sh\\necho serving\\n' > bin/serve"
            " && chmod 755 bin/serve"
        )
        .shell(["/bin/bash", "-o", "pipefail", "-c"])
        .run('echo "built with $BASH_VERSION" | cut -c1-10 > built.txt')
        .user("1000:1000")
        .volume("/srv/app/data")
        .expose(8000)
        .stopsignal("SIGINT")
        .label({"org.opencontainers.image.title": "python service"})
        .healthcheck("serve | grep -q serving", interval=5, retries=2)
        .entrypoint(["serve"])
        .cmd(["--port", "8000"])
    )
