"""The Dockerfile beside this file, written as a pipeline."""

from pathlib import Path

from framework import Context, Image

CONTEXT = Context(Path(__file__).parent)


def python_pip_args() -> Image:
    """A venv built with pip's options as build-time variables (in no image config),
    copied into a runtime whose env takes the release from an arg."""
    build = (
        Image.from_("python:3.11-slim")
        .named("build")
        # pip reads its options from the environment: build-time only, never in the image.
        .arg(PIP_NO_CACHE_DIR="1", PIP_NO_INDEX="1", PIP_FIND_LINKS="/wheels")
        .workdir("/src")
        .copy(CONTEXT / "wheels", "/wheels/")
        .copy(CONTEXT / "requirements.txt", "./")
        .run("python3 -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt")
        .arg(APP_VERSION="2.1.0")
        .run(
            "/opt/venv/bin/python -c"
            " \"import greet, os; print(greet.hello(os.environ['APP_VERSION']))\""
            " > /opt/venv/build-info.txt"
        )
    )
    return (
        Image.from_("python:3.11-slim")
        .arg(APP_VERSION="2.1.0")
        .env(PATH="/opt/venv/bin:$PATH", APP_RELEASE="$APP_VERSION", expand=True)
        .copy(build / "/opt/venv", "/opt/venv")
        .run(
            'test ! -e /root/.cache/pip && echo "release $APP_RELEASE ($APP_VERSION),'
            ' pip cache: none" > /etc/app-release'
        )
        .user("1000:1000")
        .cmd(["python", "-c", "import greet; print(greet.hello('world'))"])
    )
