"""The Flask example: ``python pipelines/flask_app.py`` builds and tags ``flask-app``.

Requirements are installed before the source is copied, so editing ``app.py`` reuses
the cached install; pip's download cache is a cache mount, never in the image.
"""

from __future__ import annotations

from framework import Context, Image, build, run_script

APP = Context("../examples/flask_app")


def flask_app(app: Context = APP) -> Image:
    """The Flask app in ``app`` on Python 3.11, serving on port 5000."""
    return (
        # framework: ignore[FW108] a minimal example: the base's root user runs the dev
        # server; a production image adds a user and .user() before .cmd()
        Image.from_("python:3.11-slim")
        .workdir("/app")
        .copy(app / "requirements.txt", ".")
        .run("pip install -r requirements.txt", cache="/root/.cache/pip")
        .copy(app / "app.py", ".")
        .expose(5000)
        .cmd(["python", "app.py"])
    )


if __name__ == "__main__":
    run_script(lambda: build(flask_app(), tag="flask-app"))
