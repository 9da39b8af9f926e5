"""The Dockerfile beside this file, written as a pipeline."""

from pathlib import Path

from framework import Context, Image

CONTEXT = Context(Path(__file__).parent)


def static_site() -> Image:
    """Pages rendered in a build stage and served by http.server: the rendered tree keeps
    its owner (``keep_owner``), ``robots.txt`` lands inside the existing ``/var/www``, and
    the Python version is read again on every build (``no_cache``)."""
    build = (
        Image.from_("python:3.11-slim")
        .named("build")
        .workdir("/src")
        .copy(CONTEXT / "site", "./")
        .run("python3 render.py pages /out && chown -R 101:101 /out")
    )
    return (
        Image.from_("python:3.11-slim")
        .run("mkdir -p /var/www")
        .copy(build / "/out", "/var/www", keep_owner=True)
        .copy(CONTEXT / "site/robots.txt", "/var/www")
        .run(
            'python3 -c "import sys; print(sys.version.split()[0])" > /var/www/python-version.txt',
            no_cache=True,
        )
        .workdir("/var/www")
        .user("101:101")
        .expose(8080)
        .cmd(["python3", "-m", "http.server", "8080"])
    )
