"""Timing whole processes (wall and CPU), and the bench's own images on the daemon.

CPU is ``resource.getrusage(RUSAGE_CHILDREN)`` before and after the process: user +
system seconds of the process and every descendant it waited for (the docker client a
framework build runs included; the daemon's work is in neither side's figure).
"""

from __future__ import annotations

import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKER = "/usr/bin/docker"  # the BuildKit-capable 20.10 client (see the preamble)
PYTHON = sys.executable


class BenchError(RuntimeError):
    """A command the bench runs failed: the bench stops and says which."""


@dataclass(frozen=True)
class Sample:
    """One run of a whole process: wall and CPU seconds."""

    wall: float
    cpu: float


@dataclass
class Series:
    """Repeated samples of one command in one case."""

    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    def __len__(self) -> int:
        return len(self.samples)


def environment(**extra: str) -> dict[str, str]:
    """The environment of a measured process: a plain log (not GitHub Actions), and
    bytecode written and reused as for an installed package (with
    ``PYTHONDONTWRITEBYTECODE`` inherited, every run would compile the framework's
    sources again: some 30 ms of ``import framework`` alone)."""
    dropped = {"GITHUB_ACTIONS", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**env, "DOCKER_BUILDKIT": "1", **extra}


def run_timed(
    argv: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Sample:
    """Run ``argv`` to its end; its wall and CPU seconds. A failure is a :class:`BenchError`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, env=env or environment(), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise BenchError(f"{shlex.join(argv)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall, cpu)


def output(argv: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    """stdout of ``argv`` (untimed); a failure is a :class:`BenchError`."""
    done = subprocess.run(
        argv, cwd=cwd, env=env or environment(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"{shlex.join(argv)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


class Images:
    """The bench's own images: every tag it makes starts with ``bench-``; each image id
    a build gave is remembered, so the ones a later build un-tagged are removed too.
    Nothing else on the daemon is touched (no cache prune, no other image)."""

    def __init__(self) -> None:
        self.tags: set[str] = set()
        self.ids: set[str] = set()

    def tag(self, name: str) -> str:
        tag = f"bench-{name}"
        self.tags.add(tag)
        return tag

    def remember(self, *tags: str) -> None:
        """Note the images ``tags`` point at now (outside any timed region)."""
        found = output([DOCKER, "image", "inspect", "--format", "{{.Id}}", *tags])
        self.ids.update(found.split())

    def remove(self) -> None:
        """Remove the bench's tags, then the images they left untagged (an image still
        used elsewhere stays: ``rmi`` without force refuses it)."""
        if self.tags:
            subprocess.run([DOCKER, "rmi", *sorted(self.tags)], capture_output=True, check=False)
        for image in sorted(self.ids):
            subprocess.run([DOCKER, "rmi", image], capture_output=True, check=False)
