#!/usr/bin/env bash
# Make sure a BuildKit-capable Docker engine answers, the base images the example
# pipelines use exist locally, and a registry answers on 127.0.0.1:5000 (Debian's
# docker-registry; the tests push to it). Also installs Graphviz, which `graph` uses.
#
# Idempotent: a second call only checks. Needs root on a machine without a
# running daemon (it installs Debian's Docker and starts dockerd): on Debian 12,
# docker.io (dockerd and client 20.10, which builds with BuildKit natively); on
# Debian 13, docker.io (dockerd 26) with docker-cli and docker-buildx, which Debian 13
# only recommends (the client is no longer in docker.io; it builds through buildx).
# Where public registries cannot be reached, base images are made from Debian
# packages with debootstrap and labelled org.framework.seeded=true.
# Multi-platform builds: arm64 binaries run under qemu (qemu-user-static and
# binfmt-support; binfmt_misc mounted), and 127.0.0.1:5000/framework/busybox:stable
# is a base image for linux/amd64 and linux/arm64 in the local registry.
set -euo pipefail

log() { printf '[engine-up] %s\n' "$*" >&2; }
# debian_mirror, debian_apt_download
# shellcheck source=scripts/debian-apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/debian-apt.sh"

DOCKER=/usr/bin/docker            # Debian 12: docker.io's 20.10 client; 13: docker-cli's
                                  # (`docker build` is buildx there)
SEED_LABEL=org.framework.seeded=true
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "error: $1 needs root; run this script as root or $2"
    exit 1
  fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root "installing ${missing[*]}" "install them yourself"
  log "installing ${missing[*]}"
  local aptlog=/var/log/framework-apt.log
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l \
         apt-get install -y -qq "${missing[@]}"; } >"$aptlog" 2>&1; then
    log "error: installing ${missing[*]} failed; see $aptlog"
    tail -20 "$aptlog" >&2
    exit 1
  fi
}

daemon_answers() { "$DOCKER" info >/dev/null 2>&1; }

start_daemon() {
  if daemon_answers; then
    log "docker daemon answers"
    return 0
  fi
  need_root "starting dockerd" "start a Docker daemon yourself"
  log "starting dockerd (log: /var/log/framework-dockerd.log)"
  # setsid: the daemon must outlive this script and the session that ran it.
  setsid dockerd >/var/log/framework-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    daemon_answers && { log "docker daemon answers"; return 0; }
    sleep 1
  done
  log "error: dockerd did not answer within 60 s; see /var/log/framework-dockerd.log"
  tail -20 /var/log/framework-dockerd.log >&2 || true
  exit 1
}

have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

try_pull() {
  # A public pull fails fast here; where it works, the real image is better.
  timeout 60 "$DOCKER" pull -q "$1" >/dev/null 2>&1
}

seed_debian() {
  local name=$1
  apt_install debootstrap
  local dir
  dir=$(mktemp -d /var/tmp/framework-rootfs.XXXXXX)
  # shellcheck disable=SC2064  # $dir is fixed now: a failure must not leave a rootfs behind
  trap "rm -rf '$dir'" EXIT
  local mirror
  mirror=$(debian_mirror)
  log "debootstrap bookworm from $mirror (about a minute)"
  debootstrap --variant=minbase bookworm "$dir" "$mirror" >/var/log/framework-debootstrap.log 2>&1 || {
    log "error: debootstrap failed; see /var/log/framework-debootstrap.log"; tail -20 /var/log/framework-debootstrap.log >&2; exit 1; }
  # Containers reach the network through the same TLS inspection as the host.
  # The copy under /usr/local/share/ca-certificates survives a later
  # update-ca-certificates (run when an image installs ca-certificates).
  if [ -f "$CA_BUNDLE" ]; then
    mkdir -p "$dir/etc/ssl/certs" "$dir/usr/local/share/ca-certificates"
    cp "$CA_BUNDLE" "$dir/etc/ssl/certs/ca-certificates.crt"
    cp "$CA_BUNDLE" "$dir/usr/local/share/ca-certificates/host-bundle.crt"
  fi
  # As Debian's official images do (debuerreotype's docker-clean): apt keeps no package
  # caches, so an image's apt-get layers don't ship ~80 MB of /var/cache/apt/*.bin.
  cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/*
  if ! tar -C "$dir" -c . | "$DOCKER" import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    -c 'CMD ["bash"]' \
    -c "LABEL $SEED_LABEL" \
    - "$name" >/dev/null; then
    log "error: docker import of $name failed; see /var/log/framework-dockerd.log"
    exit 1
  fi
  rm -rf "$dir"
  trap - EXIT
  log "made $name"
}

# seed_on_debian NAME PACKAGES EXTRA_DOCKERFILE_LINES
seed_on_debian() {
  local name=$1 packages=$2 extra=$3
  local ctx
  ctx=$(mktemp -d)
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages \
 && rm -rf /var/lib/apt/lists/*
$extra
LABEL $SEED_LABEL
DOCKERFILE
  log "building $name from debian:bookworm-slim + $packages"
  DOCKER_BUILDKIT=1 "$DOCKER" build -q -t "$name" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "made $name"
}

ensure_image() {
  local name=$1; shift
  if have_image "$name"; then log "image $name present"; return 0; fi
  if try_pull "$name"; then log "pulled $name"; return 0; fi
  "$@"
}

REGISTRY=127.0.0.1:5000

registry_answers() { curl -fsS -o /dev/null "http://$REGISTRY/v2/" 2>/dev/null; }

start_registry() {
  if registry_answers; then log "registry answers on $REGISTRY"; return 0; fi
  apt_install docker-registry curl
  need_root "starting the registry" "start a registry on $REGISTRY yourself"
  # On a systemd host the package starts its own service (with auth) on :5000.
  if command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
  mkdir -p /var/lib/framework-registry
  # Debian's default config asks for htpasswd auth; this test registry is open, loopback only.
  cat >/var/lib/framework-registry/config.yml <<CONFIG
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/framework-registry/data
  delete:
    enabled: true
http:
  addr: $REGISTRY
CONFIG
  log "starting docker-registry on $REGISTRY (log: /var/log/framework-registry.log)"
  setsid docker-registry serve /var/lib/framework-registry/config.yml \
    >/var/log/framework-registry.log 2>&1 < /dev/null &
  for _ in $(seq 1 30); do
    registry_answers && { log "registry answers on $REGISTRY"; return 0; }
    sleep 1
  done
  log "error: the registry did not answer within 30 s; see /var/log/framework-registry.log"
  exit 1
}

# The major version of Debian (0 when not Debian); a testing "trixie/sid" counts as 13.
debian_major() {
  local version
  version=$(cat /etc/debian_version 2>/dev/null || true)
  case "$version" in
    trixie*|forky*) echo 13 ;;
    [0-9]*) echo "${version%%.*}" ;;
    *) echo 0 ;;
  esac
}

install_docker() {
  if [ "$(debian_major)" -ge 13 ]; then
    { command -v dockerd && [ -x "$DOCKER" ] && "$DOCKER" buildx version; } >/dev/null 2>&1 \
      || apt_install docker.io docker-cli docker-buildx
  else
    command -v dockerd >/dev/null 2>&1 && [ -x "$DOCKER" ] || apt_install docker.io
  fi
}

# --- multi-platform: arm64 under emulation, and a base image for both platforms ---------

BINFMT=/proc/sys/fs/binfmt_misc
# Debian's busybox-static for linux/amd64 and linux/arm64, pushed as one index to the
# local registry: every daemon (classic or containerd store) pulls each platform's image
# from there. (A debootstrap --arch=arm64 --foreign tree takes 25-60 s, and its second
# stage under qemu 2.5-4.5 min on two cores; busybox takes seconds.)
MULTI_BASE=framework/busybox
MULTI_TAG=stable

aarch64_enabled() { grep -qx enabled "$BINFMT/qemu-aarch64" 2>/dev/null; }

# The aarch64 interpreter as the packages install it: Debian 12's qemu-user-static,
# Debian 13's qemu-user (static there), with binfmt-support's or systemd's registration.
aarch64_interpreter() {
  local candidate
  for candidate in /usr/libexec/qemu-binfmt/aarch64-binfmt-P /usr/bin/qemu-aarch64-static \
                   /usr/bin/qemu-aarch64; do
    [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

ensure_emulation() {
  if ! mountpoint -q "$BINFMT" 2>/dev/null; then
    need_root "mounting binfmt_misc" "mount -t binfmt_misc binfmt_misc $BINFMT"
    mount -t binfmt_misc binfmt_misc "$BINFMT"
  fi
  if aarch64_enabled; then log "arm64 emulation enabled (binfmt_misc qemu-aarch64)"; return 0; fi
  # Debian 12: qemu-user-static. Debian 13 may ship that only as a transitional name,
  # or not at all: then qemu-user (static binaries there) and qemu-user-binfmt (their
  # registration). Debian 12's qemu-user is dynamically linked: no use in a container.
  local packages=(qemu-user-static binfmt-support)
  if [ "$(debian_major)" -ge 13 ]; then
    need_root "installing qemu" "install qemu-user-static or qemu-user-binfmt yourself"
    apt-cache show qemu-user >/dev/null 2>&1 || apt-get update -qq >/dev/null 2>&1 || true
    apt-cache show --no-all-versions qemu-user-static 2>/dev/null | grep -q '^Package:' \
      || packages=(qemu-user qemu-user-binfmt binfmt-support)
  fi
  apt_install "${packages[@]}"
  command -v update-binfmts >/dev/null 2>&1 && update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  if ! aarch64_enabled; then
    local interpreter
    interpreter=$(aarch64_interpreter) || { log "error: no qemu-aarch64 interpreter after installing qemu"; exit 1; }
    [ -e "$BINFMT/qemu-aarch64" ] && echo -1 >"$BINFMT/qemu-aarch64"
    # F: the kernel opens the interpreter now, so it also works inside containers.
    echo ":qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:$interpreter:FP" \
      >"$BINFMT/register"
  fi
  aarch64_enabled || { log "error: the qemu-aarch64 binfmt_misc handler is not enabled"; exit 1; }
  log "arm64 emulation enabled (binfmt_misc qemu-aarch64)"
}

multi_base_present() {
  local index
  index=$(curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
    "http://$REGISTRY/v2/$MULTI_BASE/manifests/$MULTI_TAG" 2>/dev/null) || return 1
  grep -q '"arm64"' <<<"$index" && grep -q '"amd64"' <<<"$index"
}

# seed_multi_base: $REGISTRY/$MULTI_BASE:$MULTI_TAG, an index of linux/amd64 and linux/arm64.
seed_multi_base() {
  if multi_base_present; then log "image $REGISTRY/$MULTI_BASE:$MULTI_TAG (amd64, arm64) present"; return 0; fi
  local work codename mirror arch entries="" pushed digest size
  work=$(mktemp -d /var/tmp/framework-multi.XXXXXX)
  # shellcheck disable=SC2064  # $work is fixed now
  trap "rm -rf '$work'" EXIT
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  mirror=$(debian_mirror)
  log "downloading busybox-static (amd64, arm64) from $mirror $codename"
  debian_apt_download "$work" "$mirror" "$codename" busybox-static:amd64 busybox-static:arm64 || exit 1
  # arm64 first: the local tag ends on the amd64 image, this machine's own.
  for arch in arm64 amd64; do
    local root=$work/root-$arch
    mkdir -p "$work/pkg-$arch" "$work/ctx-$arch" "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp}
    dpkg-deb -x "$work"/debs/busybox-static_*_"$arch".deb "$work/pkg-$arch"
    # /bin/busybox in Debian 12's package, /usr/bin/busybox once /usr is merged.
    cp "$(ls "$work/pkg-$arch"/{usr/,}bin/busybox 2>/dev/null | head -1)" "$root/bin/busybox"
    chmod 1777 "$root/tmp"; chmod 700 "$root/root"
    local applet
    # The arm64 binary lists its applets under emulation: a first check that it works.
    for applet in $("$root/bin/busybox" --list-full); do
      [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar -C "$root" -c . >"$work/ctx-$arch/rootfs.tar"
    cat >"$work/ctx-$arch/Dockerfile" <<DOCKERFILE
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["sh"]
LABEL $SEED_LABEL
DOCKERFILE
    DOCKER_BUILDKIT=1 "$DOCKER" build -q --platform "linux/$arch" -t "$REGISTRY/$MULTI_BASE:$MULTI_TAG" \
      "$work/ctx-$arch" >/dev/null
    pushed=$("$DOCKER" push "$REGISTRY/$MULTI_BASE:$MULTI_TAG" | grep -oE 'digest: sha256:[0-9a-f]{64} size: [0-9]+') \
      || { log "error: pushing the $arch busybox image failed"; exit 1; }
    digest=$(awk '{print $2}' <<<"$pushed"); size=$(awk '{print $4}' <<<"$pushed")
    entries+="${entries:+,}{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"size\":$size,\"digest\":\"$digest\",\"platform\":{\"architecture\":\"$arch\",\"os\":\"linux\"}}"
  done
  curl -fsS -X PUT -H 'Content-Type: application/vnd.docker.distribution.manifest.list.v2+json' \
    --data-binary "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":[$entries]}" \
    "http://$REGISTRY/v2/$MULTI_BASE/manifests/$MULTI_TAG" >/dev/null \
    || { log "error: the registry refused the index of $MULTI_BASE:$MULTI_TAG"; exit 1; }
  rm -rf "$work"
  trap - EXIT
  multi_base_present || { log "error: $REGISTRY/$MULTI_BASE:$MULTI_TAG lacks a platform"; exit 1; }
  log "made $REGISTRY/$MULTI_BASE:$MULTI_TAG (linux/amd64, linux/arm64)"
}

main() {
  install_docker
  command -v dot >/dev/null 2>&1 || apt_install graphviz
  start_daemon
  start_registry
  ensure_image debian:bookworm-slim seed_debian debian:bookworm-slim
  ensure_image python:3.11-slim seed_on_debian python:3.11-slim \
    "python3 python3-pip python3-venv python-is-python3 ca-certificates" \
    $'RUN rm -f /usr/lib/python3*/EXTERNALLY-MANAGED\nENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1'
  ensure_image golang:1.19 seed_on_debian golang:1.19 \
    "golang-go ca-certificates" \
    $'ENV GOPATH=/go PATH=/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nWORKDIR /go'
  ensure_emulation
  seed_multi_base
  log "ready: $("$DOCKER" version --format 'client {{.Client.Version}}, daemon {{.Server.Version}}')"
}

main "$@"
