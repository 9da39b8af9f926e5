"""What the Dockerfile frontend that will read a rendered Dockerfile accepts.

The renderer takes this as an input, so the same plan renders the same bytes for the
same features. :data:`BASELINE` is Docker 20.10's built-in frontend (BuildKit 0.8):
the default, and what ``framework render`` prints. Newer syntax is used only where its
meaning is the same as the baseline form it replaces.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BASELINE", "Features"]


@dataclass(frozen=True)
class Features:
    """``copy_link``: ``COPY --link`` (Docker 23+)."""

    copy_link: bool = False


BASELINE = Features()
