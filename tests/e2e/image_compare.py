"""Comparing two images as a user sees them: the file tree and the config fields.

Used by the tests that build one image two ways (``docker build`` of a Dockerfile, and
the framework from a pipeline) and require the same result.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tarfile

from tests.e2e.conftest import Docker

CONFIG_FIELDS = (
    "Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Labels", "Healthcheck",
    "Volumes", "StopSignal", "Shell",
)  # fmt: skip

NOT_COMPARED = {
    # A .pyc's header holds its source's mtime; the framework stages copies anew.
    re.compile(r".*\.pyc$"): "content",
}

Tree = dict[str, tuple[object, ...]]


def tree(docker: Docker, image: str) -> Tree:
    """path -> (type, mode, uid, gid, size, sha256, link target) of the image's files."""
    container = docker("create", image, "/bin/true").strip()
    try:
        entries: Tree = {}
        with subprocess.Popen([docker.path, "export", container], stdout=subprocess.PIPE) as export:
            assert export.stdout is not None
            with tarfile.open(fileobj=export.stdout, mode="r|") as archive:
                for member in archive:
                    digest = ""
                    if member.isfile():
                        data = archive.extractfile(member)
                        assert data is not None
                        digest = hashlib.sha256(data.read()).hexdigest()
                    entry = (
                        member.type, member.mode, member.uid, member.gid, member.size, digest,
                        member.linkname,
                    )  # fmt: skip
                    entries["/" + member.name.rstrip("/")] = entry
        assert export.returncode == 0
    finally:
        docker("rm", container)
    return entries


def masked(entries: Tree) -> Tree:
    """The tree with what ``NOT_COMPARED`` lists replaced by ``-``."""
    result = {}
    for path, entry in entries.items():
        skipped = any(pattern.fullmatch(path) for pattern in NOT_COMPARED)
        result[path] = (*entry[:4], "-", "-", entry[6]) if skipped else entry
    return result


def config(docker: Docker, image: str) -> dict[str, object]:
    """The config fields of ``CONFIG_FIELDS`` of a local image."""
    fields = docker.inspect(image)["Config"]
    assert isinstance(fields, dict)
    return {name: fields.get(name) for name in CONFIG_FIELDS}


def assert_same_image(docker: Docker, ours: str, theirs: str) -> None:
    """Fail with the differing paths when the two images' configs or trees differ."""
    assert config(docker, ours) == config(docker, theirs)
    mine, expected = masked(tree(docker, ours)), masked(tree(docker, theirs))
    differences = {
        path: (mine.get(path), expected.get(path))
        for path in sorted(set(mine) | set(expected))
        if mine.get(path) != expected.get(path)
    }
    assert not differences, json.dumps(differences, indent=1, default=str)[:4000]
