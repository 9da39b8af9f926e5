#!/usr/bin/env bash
# Run nox from a virtual environment of its own: `bash scripts/nox.sh [NOX ARGS]`.
#
# Works with an externally managed system Python (PEP 668: Debian 12's and 13's
# /usr/bin/python3 refuse `pip install`) as with any other Python 3.11+. The first
# `python3.1x`/`python3` on PATH that is 3.11 or newer makes `.nox/.bootstrap`, a venv
# holding nox; later calls reuse it. Where that Python lacks venv/ensurepip (Debian
# without python3-venv), it is installed with apt-get, which needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[nox.sh] %s\n' "$*" >&2; }

VENV=.nox/.bootstrap

pick_python() {
  local candidate
  for candidate in python3 python3.14 python3.13 python3.12 python3.11 /usr/bin/python3; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

make_venv() {
  local python
  python=$(pick_python) || { log "error: no Python 3.11 or newer on PATH"; exit 1; }
  if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    if [ "$(id -u)" != 0 ]; then
      log "error: $python has no venv module; install python3-venv (as root: apt-get install python3-venv)"
      exit 1
    fi
    log "installing python3-venv for $python"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; } >/dev/null
  fi
  log "making $VENV with $python ($("$python" --version))"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check nox
}

"$VENV/bin/python" -c 'import nox' 2>/dev/null || make_venv
exec "$VENV/bin/python" -m nox "$@"
