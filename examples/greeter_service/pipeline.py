"""The greeter service's pipeline: the platform team's shared one, used by import.

``python -m framework build pipeline.py:greeter -t greeter`` (after
``pip install python-service-pipelines``), or by name, without this file:
``python -m framework build python-service --app app --module greeter --port 8080``.
"""

from __future__ import annotations

from python_service_pipelines import python_service

from framework import Context, Image


def greeter(port: int = 8080) -> Image:
    """The greeter app on the shared Python service pipeline."""
    return python_service(Context("app"), port=port, module="greeter").label(
        {"org.opencontainers.image.title": "greeter"}
    )
