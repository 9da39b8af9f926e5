"""Silencing a rule on one step: a trailing comment on the step's source line.

``.run("apt-get update")  # framework: ignore[FW101] the install step pins versions``
silences FW101 for that step; several ids are separated by commas. The text after the
bracket is the reason, kept in the report. The line is the one the step's ``origin``
names (for a call over several lines, the line holding ``.run(``); a stage-level finding
(base image, root user) is silenced on the line where the image starts
(``Image.from_(...)``). The comment may also stand on its own line in the block of
comment lines right above that line, for a line with no room left.
"""

from __future__ import annotations

import linecache
import re

__all__ = ["silenced"]

_IGNORE = re.compile(r"#\s*framework:\s*ignore\[(?P<ids>[A-Za-z0-9_,\s]+)\](?P<reason>.*)$")


def silenced(where: str | None, rule_id: str) -> str | None:
    """The reason given for silencing ``rule_id`` at ``where`` (``file:line``), ``""``
    when none is given, ``None`` when the line does not silence it."""
    if where is None:
        return None
    file, _, line = where.rpartition(":")
    if not line.isdigit():
        return None
    number = int(line)
    block: list[str] = []  # the comment lines right above, top first
    while number > 1:
        number -= 1
        above = linecache.getline(file, number).strip()
        if not above.startswith("#"):
            break
        block.insert(0, above)
    for index, text in enumerate([*block, linecache.getline(file, int(line))]):
        match = _IGNORE.search(text)
        if match is None:
            continue
        ids = {part.strip().upper() for part in match["ids"].split(",")}
        if rule_id in ids:
            # A reason may go on over the comment lines below it.
            rest = [b.lstrip("#").strip() for b in block[index + 1 :]]
            reason = " ".join([match["reason"].strip().lstrip("-:—").strip(), *rest])
            return reason.strip()
    return None
