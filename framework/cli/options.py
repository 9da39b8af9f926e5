"""The build options ``framework build`` passes on, whether it builds one target or many."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["build_options"]


def build_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`framework.build` that come straight from the
    command line (not the tags, engine, progress or archive, which each caller sets)."""
    return {
        "push": args.push,
        "platforms": [p.strip() for p in args.platform.split(",")] if args.platform else [],
        "cache_from": args.cache_from,
        "cache_to": args.cache_to,
        "attest": args.attest,
        "no_cache": args.no_cache,
        "pull": args.pull,
        "lint": args.lint,
    }
