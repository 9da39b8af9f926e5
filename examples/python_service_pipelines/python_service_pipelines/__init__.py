"""Shared pipelines a platform team publishes: every service repo imports them.

``python_service`` is registered as the pipeline ``python-service`` (entry point group
``framework.pipelines``), so ``python -m framework build python-service --app DIR``
works in any repo where this package is installed.
"""

from __future__ import annotations

from framework import Context, Image

__all__ = ["python_base", "python_service"]


def python_base(python: str = "3.11") -> Image:
    """The team's Python base: slim image, no bytecode files, unbuffered output."""
    return Image.from_(f"python:{python}-slim").env(
        PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1"
    )


def python_service(
    app: Context, python: str = "3.11", port: int = 8000, module: str = "app"
) -> Image:
    """A Python service from the directory ``app`` (with ``requirements.txt``).

    Dependencies are installed before the source is copied (cached across code
    changes, with pip's cache mounted); the service runs as an unprivileged user with
    ``python -m <module>`` and listens on ``port`` (passed as ``$PORT``).
    """
    return (
        python_base(python)
        .workdir("/srv")
        .copy(app / "requirements.txt", ".")
        .run("pip install -r requirements.txt", cache="/root/.cache/pip")
        .copy(app, ".", owner="1000:1000")
        .user("1000:1000")
        .env(PORT=str(port))
        .expose(port)
        .cmd(["python", "-m", module])
    )
