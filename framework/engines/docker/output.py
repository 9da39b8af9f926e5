"""Parsing BuildKit's plain progress output (``--progress=plain``) into step events."""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import field

from framework._dataclass import dataclass

__all__ = ["OutputParser", "Vertex"]

_LINE = re.compile(r"^#(?P<num>\d+) (?P<rest>.*)$")
# "[stage 2/5] RUN ...", "[stage  2/12]", "[linux/arm64 stage 2/5]", "[ 3/12]": BuildKit
# pads the number, may prefix the platform, and leaves the stage out of some builds.
_NAME = re.compile(r"^\[(?:(?P<prefix>[^\]]*?) )?\s*(?P<index>\d+)/(?P<total>\d+)\] (?P<text>.*)$")
_DONE = re.compile(r"^DONE (?P<secs>[\d.]+)s$")
# The exporter's "naming to docker.io/library/app:1 0.0s done": that tag now exists.
_NAMED = re.compile(r"^naming to (?P<ref>\S+)(?: [\d.]+s)? done$")
_OUTPUT = re.compile(r"^(?P<secs>[\d.]+) (?P<text>.*)$")
TAIL = 25


@dataclass
class Vertex:
    """One BuildKit vertex as the output shows it.

    ``status``: ``running``, ``cached``, ``done``, ``error`` (it failed) or
    ``cancelled`` (stopped because another vertex failed). ``duration`` is BuildKit's
    ``DONE`` time; a vertex that errors gets no ``DONE`` line, so its duration is the
    longer of its last output line's time and the time since it was first seen.
    """

    number: int
    name: str
    stage: str | None = None
    index: int | None = None
    status: str = "running"
    duration: float = 0.0
    output: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL))
    error: str | None = None
    seen_at: float = 0.0
    last_output_at: float = 0.0


@dataclass
class Event:
    kind: str  # started | output | finished
    vertex: Vertex
    line: str = ""


class OutputParser:
    """Feed lines; get events. Keeps every vertex and the lines that are not vertices."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.vertices: dict[int, Vertex] = {}
        self.other: deque[str] = deque(maxlen=TAIL)
        self.named: list[str] = []
        """References the exporter has named (tagged) so far, as BuildKit spells them."""

    def feed(self, line: str) -> list[Event]:
        match = _LINE.match(line)
        if match is None:
            if line.strip() and not line.startswith(("-----", " > ")):
                self.other.append(line)
            return []
        number, rest = int(match["num"]), match["rest"]
        vertex = self.vertices.get(number)
        if vertex is None:
            vertex = Vertex(number=number, name=rest, seen_at=self._clock())
            named = _NAME.match(rest)
            if named:
                prefix = (named["prefix"] or "").split()
                vertex.stage = prefix[-1] if prefix and "/" not in prefix[-1] else None
                vertex.index = int(named["index"])
            self.vertices[number] = vertex
            return [Event("started", vertex)]
        if rest == "CACHED":
            vertex.status = "cached"
            return [Event("finished", vertex)]
        done = _DONE.match(rest)
        if done:
            vertex.duration = float(done["secs"])
            if vertex.status != "cached":
                vertex.status = "done"
            return [Event("finished", vertex)]
        if rest.startswith("ERROR"):
            vertex.error = rest.removeprefix("ERROR").lstrip(": ")
            vertex.status = "cancelled" if "context canceled" in vertex.error else "error"
            ran = self._clock() - vertex.seen_at
            vertex.duration = max(vertex.last_output_at, ran)
            return [Event("finished", vertex)]
        tagged = _NAMED.match(rest)
        if tagged:
            self.named.append(tagged["ref"])
            return []
        output = _OUTPUT.match(rest)
        if output:
            vertex.last_output_at = float(output["secs"])
            vertex.output.append(output["text"])
            return [Event("output", vertex, output["text"])]
        return []

    def failed(self) -> Vertex | None:
        """The vertex whose error failed the build: the first one that was not merely
        cancelled because another failed (parallel stages)."""
        errors = [v for v in self.vertices.values() if v.status == "error"]
        cancelled = [v for v in self.vertices.values() if v.status == "cancelled"]
        chosen = errors or cancelled
        return chosen[0] if chosen else None

    def unfinished(self) -> list[Vertex]:
        """The vertices that started and did not finish successfully (still running,
        failed or cancelled), in the order they started."""
        return [v for v in self.vertices.values() if v.status not in ("done", "cached")]
