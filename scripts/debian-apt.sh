# shellcheck shell=bash
# Debian packages for scripts/engine-up.sh and scripts/docker-private.sh, which source
# this file after defining their own `log` (its messages carry the caller's prefix).
#
#   debian_mirror [ETC_APT]                        the Debian archive the host's apt uses
#   debian_apt_download WORK MIRROR SUITE PKG...   download .debs of any suite, privately

declare -F log >/dev/null || log() { printf '[debian-apt] %s\n' "$*" >&2; }

# debian_mirror [ETC_APT]: print the Debian archive the host's apt uses: the first URI
# ending in /debian (so not debian-security, nor a third-party repo without that suffix)
# in the enabled stanzas of ETC_APT/sources.list.d/*.sources (deb822, Debian 13's
# default), else in the `deb` lines of ETC_APT/sources.list (`[options]` allowed).
# FRAMEWORK_DEBIAN_MIRROR, when set, wins; the fallback is http://deb.debian.org/debian.
# ETC_APT (default /etc/apt) exists so that the parsing can be checked on other layouts.
debian_mirror() {
  if [ -n "${FRAMEWORK_DEBIAN_MIRROR:-}" ]; then echo "$FRAMEWORK_DEBIAN_MIRROR"; return 0; fi
  local etc=${1:-/etc/apt} file deb822=() mirror
  for file in "$etc"/sources.list.d/*.sources; do if [ -f "$file" ]; then deb822+=("$file"); fi; done
  mirror=$(
    {
      # Paragraph mode: one record per stanza (records never span two files).
      [ ${#deb822[@]} -eq 0 ] || awk 'BEGIN { RS = ""; FS = "\n" }
        {
          enabled = 1; n = 0
          for (i = 1; i <= NF; i++) {
            if ($i ~ /^[ \t]*#/ || !index($i, ":")) continue
            key = tolower(substr($i, 1, index($i, ":") - 1)); value = substr($i, index($i, ":") + 1)
            if (key == "enabled" && value ~ /^[ \t]*[Nn][Oo][ \t]*$/) enabled = 0
            if (key == "uris") { k = split(value, u, /[ \t]+/); for (j = 1; j <= k; j++) if (u[j] != "") uri[++n] = u[j] }
          }
          if (enabled) for (j = 1; j <= n; j++) print uri[j]
        }' "${deb822[@]}"
      [ ! -f "$etc/sources.list" ] || awk '/^[ \t]*deb[ \t]/ {
          line = $0; sub(/^[ \t]*deb[ \t]+/, "", line)
          if (substr(line, 1, 1) == "[") { if (!index(line, "]")) next; line = substr(line, index(line, "]") + 1) }
          sub(/^[ \t]+/, "", line); split(line, f, /[ \t]+/); print f[1]
        }' "$etc/sources.list"
    } | grep -E '/debian/?$' | head -1
  ) || true
  echo "${mirror:-http://deb.debian.org/debian}"
}

# debian_apt_download WORK MIRROR SUITE PACKAGE...: download each PACKAGE (NAME or
# NAME:ARCH) of SUITE's main component on MIRROR into WORK/debs, through a private apt
# configuration in WORK/apt (its own sources.list, lists and cache; the host's
# apt.conf.d, e.g. a proxy, still applies): the system's apt lists, cache and dpkg state
# are untouched. The architectures indexed are the host's and those the packages name.
# apt's output goes to WORK/apt.log. On failure: its last lines and an error naming the
# failed step on stderr, status 1.
debian_apt_download() {
  local work=$1 mirror=$2 suite=$3; shift 3
  local aptlog=$work/apt.log native pkg arch archs
  native=$(dpkg --print-architecture) || { log "error: dpkg --print-architecture failed"; return 1; }
  archs=" $native "
  for pkg in "$@"; do
    case $pkg in *:*) arch=${pkg##*:}; [[ $archs == *" $arch "* ]] || archs+="$arch " ;; esac
  done
  mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/debs" \
    || { log "error: cannot create the private apt directories under $work"; return 1; }
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
    >"$work/apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
              -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
              -o APT::Sandbox::User=root -o Acquire::Languages=none -o "APT::Architecture=$native")
  for arch in $archs; do opts+=(-o "APT::Architectures::=$arch"); done
  # --error-on=any: a mirror that cannot be reached fails here, not later as "Unable to locate".
  if ! apt-get "${opts[@]}" update -qq --error-on=any >"$aptlog" 2>&1; then
    tail -5 "$aptlog" >&2
    log "error: apt-get update of $mirror $suite (private configuration) failed"
    return 1
  fi
  if ! (cd "$work/debs" && apt-get "${opts[@]}" download "$@") >>"$aptlog" 2>&1; then
    tail -5 "$aptlog" >&2
    log "error: apt-get download of $* from $mirror $suite failed"
    return 1
  fi
}
