"""The command line: ``python -m framework`` (also installed as ``framework``)."""

from framework.cli.main import main

__all__ = ["main"]
