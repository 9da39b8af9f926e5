#!/usr/bin/env bash
# Start a private Docker 26 daemon beside the system one, for the test matrix.
#
#   bash scripts/docker-private.sh up NAME      start it (idempotent); print its environment
#   bash scripts/docker-private.sh env NAME     print its environment (VAR=value lines)
#   bash scripts/docker-private.sh down NAME    stop it and remove its bridge and rules
#
# NAME is `docker26` (classic image store) or `docker26-containerd` (containerd image
# store). The daemon is Debian 13's docker.io 26.1.5 with docker-cli and docker-buildx:
# on Debian 13 the system's binaries; on Debian 12 the three packages unpacked into
# /opt/framework-docker26 (a private apt configuration for the trixie suite on the
# host's mirror, `apt-get download`, `dpkg-deb -x`: the system's packages are untouched).
# It has its own data root, exec root, socket, pidfile, containerd and its own bridge,
# and shares the host's containerd/runc binaries. Base images come from the system
# daemon (docker save | docker load). Needs root; run scripts/engine-up.sh first.
#
# Never give a second dockerd --bridge=none in the host's network namespace: it deletes
# docker0 under the system daemon. This one gets a bridge of its own.
set -euo pipefail

log() { printf '[docker-private] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# debian_mirror, debian_apt_download
# shellcheck source=scripts/debian-apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/debian-apt.sh"

PREFIX=/opt/framework-docker26
SYSTEM_DOCKER=/usr/bin/docker
BASE_IMAGES=(debian:bookworm-slim python:3.11-slim golang:1.19)
# Not copied: 127.0.0.1:5000/framework/busybox:stable, the two-platform base image that
# engine-up.sh pushes to the local registry. Each daemon pulls the platform it builds
# for from there; a single-platform copy in its store would be wrong for the other one
# (the containerd store even builds an arm64 image from an amd64 copy, without error).

cmd=${1:-}; name=${2:-}
case "$name" in
  # Each daemon has a bridge and a subnet of its own (a bridge name has at most 15 characters).
  docker26) subnet=172.27.0; store=classic; bridge=fw-d26 ;;
  docker26-containerd) subnet=172.28.0; store=containerd; bridge=fw-d26ctr ;;
  *) die "usage: $0 up|env|down docker26|docker26-containerd" ;;
esac
state=/var/lib/framework-$name
run=/run/fw-$name
socket=$run/docker.sock

debian_major() { cut -d. -f1 /etc/debian_version 2>/dev/null || echo 0; }

# The docker.io 26 binaries: the system's on Debian 13, else unpacked from trixie.
binaries() {
  if [ "$(debian_major)" -ge 13 ] && [ -x /usr/sbin/dockerd ] \
     && /usr/sbin/dockerd --version | grep -q 'version 2[6-9]'; then
    DOCKERD=/usr/sbin/dockerd CLIENT=/usr/bin/docker
    BUILDX=/usr/libexec/docker/cli-plugins/docker-buildx SBIN=/usr/sbin
    [ -x "$BUILDX" ] || die "docker-buildx is not installed (apt-get install docker-buildx)"
    return
  fi
  DOCKERD=$PREFIX/usr/sbin/dockerd CLIENT=$PREFIX/usr/bin/docker
  BUILDX=$PREFIX/usr/libexec/docker/cli-plugins/docker-buildx SBIN=$PREFIX/usr/sbin
}

unpack_trixie_docker() {
  [ -x "$PREFIX/usr/sbin/dockerd" ] && [ -x "$PREFIX/usr/bin/docker" ] && [ -x "$BUILDX" ] && return 0
  local mirror apt tmp
  mirror=$(debian_mirror)
  apt=$(mktemp -d /var/tmp/framework-trixie-apt.XXXXXX)
  log "downloading Debian 13's docker.io, docker-cli, docker-buildx from $mirror"
  debian_apt_download "$apt" "$mirror" trixie docker.io docker-cli docker-buildx || exit 1
  tmp=$PREFIX.new
  rm -rf "$tmp"; mkdir -p "$tmp"
  for deb in "$apt"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp"; done
  rm -rf "$PREFIX"; mv "$tmp" "$PREFIX"; rm -rf "$apt"
  log "unpacked into $PREFIX: $("$PREFIX/usr/sbin/dockerd" --version)"
}

client_env() {
  printf 'DOCKER_HOST=unix://%s\n' "$socket"
  printf 'DOCKER_CONFIG=%s\n' "$state/client"
  printf 'FRAMEWORK_DOCKER=%s\n' "$CLIENT"
  printf 'FRAMEWORK_DOCKERD=%s\n' "$DOCKERD"
  printf 'FRAMEWORK_DAEMON=%s\n' "$name"
}

answers() { DOCKER_HOST=unix://$socket DOCKER_CONFIG=$state/client "$CLIENT" info >/dev/null 2>&1; }

network_up() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$subnet.1/24" dev "$bridge"
  fi
  ip link set "$bridge" up
  sysctl -qw net.ipv4.ip_forward=1
  # dockerd runs with --iptables=false (the system daemon owns the DOCKER chains):
  # masquerade this bridge's traffic and let it through FORWARD, whose policy is DROP.
  local rule
  iptables -t nat -C POSTROUTING -s "$subnet.0/24" ! -o "$bridge" -j MASQUERADE 2>/dev/null \
    || iptables -t nat -A POSTROUTING -s "$subnet.0/24" ! -o "$bridge" -j MASQUERADE
  for rule in "-i $bridge -j ACCEPT" "-o $bridge -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"; do
    # shellcheck disable=SC2086
    iptables -C FORWARD $rule 2>/dev/null || iptables -I FORWARD $rule
  done
}

network_down() {
  local rule
  iptables -t nat -D POSTROUTING -s "$subnet.0/24" ! -o "$bridge" -j MASQUERADE 2>/dev/null || true
  for rule in "-i $bridge -j ACCEPT" "-o $bridge -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"; do
    # shellcheck disable=SC2086
    iptables -D FORWARD $rule 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
}

start() {
  [ "$(id -u)" = 0 ] || die "starting a private dockerd needs root"
  command -v ip >/dev/null 2>&1 || {
    log "installing iproute2"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2; } >/dev/null
  }
  "$SYSTEM_DOCKER" info >/dev/null 2>&1 || die "the system daemon does not answer: run scripts/engine-up.sh first"
  binaries
  [ "$DOCKERD" = "$PREFIX/usr/sbin/dockerd" ] && unpack_trixie_docker
  mkdir -p "$state/client/cli-plugins" "$run"
  ln -sf "$BUILDX" "$state/client/cli-plugins/docker-buildx"
  [ -f "$state/client/config.json" ] || echo '{}' >"$state/client/config.json"
  if answers; then log "$name answers on $socket"; else
    network_up
    if [ "$store" = containerd ]; then
      echo '{"features": {"containerd-snapshotter": true}}' >"$state/daemon.json"
    else
      echo '{}' >"$state/daemon.json"
    fi
    log "starting $name ($("$DOCKERD" --version), $store image store; log: $state/dockerd.log)"
    # PATH: this docker-proxy first; containerd and runc are the host's.
    PATH="$SBIN:$PATH" setsid "$DOCKERD" --config-file "$state/daemon.json" \
      --data-root "$state/data" --exec-root "$run/exec" --pidfile "$run/docker.pid" \
      -H "unix://$socket" --bridge "$bridge" --iptables=false --ip-masq=false \
      --containerd-namespace "fw-$name" --containerd-plugins-namespace "fw-$name-plugins" \
      >"$state/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 1 60); do answers && break; sleep 1; done
    answers || { tail -20 "$state/dockerd.log" >&2; die "$name did not answer within 60 s"; }
    log "$name answers on $socket"
  fi
  local image
  for image in "${BASE_IMAGES[@]}"; do
    if ! DOCKER_HOST=unix://$socket DOCKER_CONFIG=$state/client "$CLIENT" image inspect "$image" >/dev/null 2>&1; then
      log "copying $image from the system daemon"
      "$SYSTEM_DOCKER" save "$image" | DOCKER_HOST=unix://$socket DOCKER_CONFIG=$state/client "$CLIENT" load -q >/dev/null
    fi
  done
}

stop() {
  binaries
  if [ -f "$run/docker.pid" ]; then
    local pid; pid=$(cat "$run/docker.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  network_down
  log "$name stopped"
}

case "$cmd" in
  up) start; binaries; client_env ;;
  env) binaries; client_env ;;
  down) stop ;;
  *) die "usage: $0 up|env|down docker26|docker26-containerd" ;;
esac
