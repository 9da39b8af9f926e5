"""A multi-platform image on a daemon whose image store holds one platform per tag.

Docker's classic image store keeps one image per tag, so it cannot hold a multi-platform
index. There the engine builds each platform on its own (``--platform P``), pushes it to
every tag (the registry keeps each manifest by digest), and then writes the index that
lists them to each tag, through the registry's HTTP API (Docker Registry v2, stdlib
only): ``GET /v2/<name>/manifests/<digest>`` for each platform's manifest and config
(whose ``os``/``architecture``/``variant`` must be the platform asked for), then ``PUT
/v2/<name>/manifests/<tag>`` of a Docker manifest list (or an OCI index, when the
manifests are OCI's). The local tags end up on the image of the daemon's own platform
(built last), which is what a pull of the index gives on that machine; the other
platforms' images, left untagged, are removed from the local store.

Registries on a loopback address are spoken to over plain HTTP, as Docker does; others
over HTTPS. A registry that asks for credentials is refused with the reason (this
assembly sends none): the containerd image store builds and pushes such an image itself.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from framework.errors import BuildError
from framework.outcome import BuildResult, StepReport
from framework.spec.references import normalise

if TYPE_CHECKING:
    from framework.engines.base import BuildRequest
    from framework.engines.docker.engine import DockerEngine

__all__ = [
    "DOCKER_LIST",
    "OCI_INDEX",
    "PlatformManifest",
    "Registry",
    "assemble_index",
    "build_per_platform",
    "platform_order",
]

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
_ACCEPT = ", ".join((DOCKER_MANIFEST, OCI_MANIFEST, DOCKER_LIST, OCI_INDEX))
_TIMEOUT = 60.0


@dataclass(frozen=True)
class PlatformManifest:
    """One platform's image manifest in a repository: its digest, size and media type."""

    platform: str
    digest: str
    size: int
    media_type: str


class Registry:
    """The HTTP API of the registry that holds ``repository`` (``host[:port]``)."""

    def __init__(self, host: str, repository: str) -> None:
        self.host = host
        self.repository = repository

    @classmethod
    def of(cls, reference: str) -> tuple[Registry, str]:
        """The registry and repository of ``reference``, and its tag (``latest`` if none)."""
        name = normalise(reference).partition("@")[0]
        host, _, rest = name.partition("/")
        repository, _, tag = rest.rpartition(":")
        return cls("registry-1.docker.io" if host == "docker.io" else host, repository), tag

    def _connection(self) -> http.client.HTTPConnection:
        hostname = self.host.rsplit(":", 1)[0].strip("[]")
        if hostname == "localhost" or _loopback(hostname):
            return http.client.HTTPConnection(self.host, timeout=_TIMEOUT)
        return http.client.HTTPSConnection(self.host, timeout=_TIMEOUT)

    def _request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        url = f"/v2/{self.repository}/{path}"
        try:
            connection = self._connection()
            try:
                connection.request(method, url, body=body, headers=headers or {})
                response = connection.getresponse()
                data = response.read()
            finally:
                connection.close()
        except (OSError, http.client.HTTPException) as exc:
            raise BuildError(
                f"the registry {self.host} could not be reached to write the multi-platform "
                f"index of {self.repository} ({exc})"
            ) from None
        found = {k.lower(): v for k, v in response.getheaders()}
        if response.status == 401:
            raise BuildError(
                f"the registry {self.host} asks for credentials to {method} {url}; the "
                "multi-platform index of a classic image store is written without any\n"
                "  fix: push to a registry that needs none (e.g. a local one on "
                "127.0.0.1:5000), or build on a daemon with the containerd image store, "
                "which pushes multi-platform images itself"
            )
        return response.status, found, data

    def manifest(self, reference: str) -> tuple[str, bytes]:
        """The media type and bytes of the manifest ``reference`` (a tag or digest)."""
        status, headers, data = self._request(
            "GET", f"manifests/{reference}", None, {"Accept": _ACCEPT}
        )
        if status != 200:
            raise BuildError(
                f"the registry {self.host} has no manifest {self.repository}@{reference} "
                f"(HTTP {status}: {data[:200].decode(errors='replace')})"
            )
        return headers.get("content-type", ""), data

    def blob(self, digest: str) -> bytes:
        """The blob ``digest`` (following the registry's redirect to its storage)."""
        status, headers, data = self._request("GET", f"blobs/{digest}")
        if status in (301, 302, 307) and "location" in headers:
            raise BuildError(
                f"the registry {self.host} serves {digest} from elsewhere ({headers['location']})"
            )
        if status != 200:
            raise BuildError(f"the registry {self.host} has no blob {digest} (HTTP {status})")
        return data

    def put_manifest(self, tag: str, media_type: str, body: bytes) -> str:
        """Write ``body`` as the manifest ``tag``; its digest."""
        status, _, data = self._request(
            "PUT", f"manifests/{tag}", body, {"Content-Type": media_type}
        )
        if status not in (200, 201):
            raise BuildError(
                f"the registry {self.host} refused the multi-platform index for "
                f"{self.repository}:{tag} (HTTP {status}: {data[:300].decode(errors='replace')})"
            )
        return "sha256:" + hashlib.sha256(body).hexdigest()

    def platform_manifest(self, platform: str, digest: str) -> PlatformManifest:
        """The manifest ``digest``, checked to be an image for ``platform``."""
        media_type, data = self.manifest(digest)
        if media_type not in (DOCKER_MANIFEST, OCI_MANIFEST):
            raise BuildError(
                f"{self.repository}@{digest} is a {media_type or 'manifest of unknown type'}, "
                f"not one image for {platform}"
            )
        config = json.loads(self.blob(json.loads(data)["config"]["digest"]))
        found = "/".join(
            part for part in (config.get("os"), config.get("architecture"), config.get("variant"))
            if part
        )  # fmt: skip
        if found != platform and found.rsplit("/", 1)[0] != platform:
            raise BuildError(
                f"the image built for {platform} says it is for {found or 'no platform'} "
                f"({self.repository}@{digest})"
            )
        return PlatformManifest(platform, digest, len(data), media_type)


def _loopback(hostname: str) -> bool:
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def index_document(manifests: Sequence[PlatformManifest]) -> tuple[str, bytes]:
    """The media type and bytes of the index listing ``manifests`` (a Docker manifest
    list when they are Docker manifests, else an OCI index)."""
    docker = all(m.media_type == DOCKER_MANIFEST for m in manifests)
    media_type = DOCKER_LIST if docker else OCI_INDEX
    entries: list[dict[str, Any]] = []
    for manifest in manifests:
        os_name, arch, *variant = manifest.platform.split("/")
        platform: dict[str, str] = {"architecture": arch, "os": os_name}
        if variant:
            platform["variant"] = variant[0]
        entries.append(
            {
                "mediaType": manifest.media_type,
                "size": manifest.size,
                "digest": manifest.digest,
                "platform": platform,
            }
        )
    document = {"schemaVersion": 2, "mediaType": media_type, "manifests": entries}
    return media_type, json.dumps(document, indent=3).encode()


def assemble_index(reference: str, digests: Sequence[tuple[str, str]]) -> str:
    """Write to the tag ``reference`` the index of the manifests ``digests`` (pairs of
    platform and manifest digest, already in that repository); the index's digest."""
    registry, tag = Registry.of(reference)
    manifests = [registry.platform_manifest(platform, digest) for platform, digest in digests]
    media_type, body = index_document(manifests)
    return registry.put_manifest(tag, media_type, body)


def platform_order(platforms: Sequence[str], native: str | None) -> tuple[str, ...]:
    """``platforms`` with the daemon's own (``native``) last, so its image keeps the tags."""
    return tuple(sorted(platforms, key=lambda p: p == native or p.rsplit("/", 1)[0] == native))


async def build_per_platform(engine: DockerEngine, request: BuildRequest) -> BuildResult:
    """Build ``request`` one platform at a time on ``engine``, pushing each to every tag,
    then write each tag's index. The result's ``pushed`` are the indexes."""
    import anyio

    from framework.engines.base import Outputs

    started = time.monotonic()
    outputs = request.outputs
    order = platform_order(request.platforms, engine.capabilities.platform)
    built: dict[str, BuildResult] = {}
    for platform in order:
        single = replace(request, platforms=(platform,), push=True, outputs=Outputs())
        try:
            built[platform] = await engine.build(single)
        finally:
            outputs.image_id, outputs.tagged = single.outputs.image_id, single.outputs.tagged
            outputs.to_push = single.outputs.to_push
            outputs.pushed.extend(f"{p} ({platform})" for p in single.outputs.pushed)
    pushed: list[str] = []
    for tag in request.tags:
        digests = [(p, _pushed_digest(built[p], tag, p)) for p in order]
        outputs.pushing = tag
        index = await anyio.to_thread.run_sync(assemble_index, tag, digests)
        outputs.pushing = None
        pushed.append(f"{tag}@{index}")
    outputs.pushed[:] = pushed
    last = built[order[-1]]
    await _remove_untagged(engine, [b.image_id for b in built.values() if b is not last])
    return replace(
        last,
        pushed=tuple(pushed),
        steps=merge_reports([built[p].steps for p in order]),
        duration=time.monotonic() - started,
        context_bytes=sum(b.context_bytes or 0 for b in built.values()),
    )


async def _remove_untagged(engine: DockerEngine, image_ids: Sequence[str]) -> None:
    """Remove the images of the platforms built before the last: the next build took
    their tags, the registry holds them, and the local store would keep them untagged.
    One still tagged elsewhere (or in use) is left alone: ``docker rmi`` refuses it."""
    import anyio

    for image_id in dict.fromkeys(image_ids):
        await anyio.run_process(
            [engine.client.path, "image", "rm", image_id],
            check=False,
            env=engine.client.environment(engine.host),
        )


def _pushed_digest(result: BuildResult, tag: str, platform: str) -> str:
    for reference in result.pushed:
        name, _, digest = reference.partition("@")
        if name == tag and digest:
            return digest
    raise BuildError(f"docker push of {tag} for {platform} printed no digest ({result.pushed})")


def merge_reports(per_platform: Sequence[Sequence[StepReport]]) -> tuple[StepReport, ...]:
    """One report per step for builds of the same plan: ``executed`` if any platform ran
    it, ``cached`` only if every one took it from the cache; durations add up."""
    merged: list[StepReport] = []
    for reports in zip(*per_platform, strict=True):
        statuses = {r.status for r in reports}
        status = reports[0].status
        for kind in ("failed", "cancelled", "executed", "unknown"):
            if kind in statuses:
                status = kind
                break
        merged.append(replace(reports[0], status=status, duration=sum(r.duration for r in reports)))
    return tuple(merged)
