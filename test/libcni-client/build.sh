#!/usr/bin/env bash
# Build test/libcni-client (a cnitool-like CNI runtime on libcni) for the e2e tests.
#
# Offline by design: Debian packages libcni's sources (golang-github-appc-cni-dev,
# libcni 1.1.2, under /usr/share/gocode) but there is no reachable Go module proxy,
# so the client is built in GOPATH mode (GO111MODULE=off) against those sources.
# libcni needs nothing outside the standard library, so that one package suffices.
#
# Output: $URUNC_TAP_LIBCNI_CLIENT (default /var/cache/urunc-tap-test/bin/libcni-client).
# Cached: no rebuild while the binary is newer than main.go and this script.
# Logs go to stderr; the binary's path is the only thing printed on stdout, so
#   client=$(test/libcni-client/build.sh)
# works. Needs root only to apt-get install missing packages.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src="$here/main.go"
out=${URUNC_TAP_LIBCNI_CLIENT:-/var/cache/urunc-tap-test/bin/libcni-client}
gocode=/usr/share/gocode
libcni_dir=$gocode/src/github.com/containernetworking/cni/libcni

log() { printf 'libcni-client/build.sh: %s\n' "$*" >&2; }

if [[ -x $out && $out -nt $src && $out -nt ${BASH_SOURCE[0]} ]]; then
  log "up to date: $out"
  printf '%s\n' "$out"
  exit 0
fi

# Install the toolchain and libcni's sources if missing. apt-get update only when
# the plain install fails (stale or absent lists): it is slow and needs the mirror.
if ! command -v go >/dev/null 2>&1 || [[ ! -d $libcni_dir ]]; then
  pkgs=(golang-go golang-github-appc-cni-dev)
  apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >&2
  }
  log "installing ${pkgs[*]}"
  if ! apt_install; then
    log "install failed; running apt-get update and retrying"
    apt-get update >&2
    apt_install
  fi
fi

# GOPATH mode resolves imports as $GOPATH/src/<import path>, and a command must
# itself live in a package directory under some $GOPATH/src. So: a throwaway
# GOPATH whose src/urunc-tap/libcni-client holds a copy of main.go, followed by
# Debian's /usr/share/gocode for github.com/containernetworking/cni/....
# A copy rather than a symlink: no surprises with how go resolves symlinked dirs.
tmp=$(mktemp -d /tmp/libcni-client-build.XXXXXX)
partial=$out.$$.partial
trap 'rm -rf "$tmp" "$partial"' EXIT
pkgdir=$tmp/gopath/src/urunc-tap/libcni-client
mkdir -p "$pkgdir" "$(dirname "$out")"
cp "$src" "$pkgdir/main.go"

# GO111MODULE=off: GOPATH mode, never a go.mod, never the module proxy.
# GOFLAGS= : drop any inherited flags (-mod=... is an error outside module mode).
# GOPROXY=off: belt and braces, nothing may be fetched.
# CGO_ENABLED=0: a static binary with no C toolchain needed (gcc is only a
# recommendation of golang-go); the std packages are then compiled once into GOCACHE.
# GOCACHE: explicit, so the build works without $HOME (e.g. under env -i or sudo).
log "building $out"
start=$(date +%s.%N)
(
  cd "$pkgdir"
  env GO111MODULE=off GOFLAGS= GOPROXY=off CGO_ENABLED=0 \
    GOPATH="$tmp/gopath:$gocode" \
    GOCACHE="${GOCACHE:-/var/cache/urunc-tap-test/go-build}" \
    go build -trimpath -o "$partial" .
)
# Built next to $out and renamed: atomic, so a concurrent caller never runs a
# half-written binary.
mv -f "$partial" "$out"
log "built in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
printf '%s\n' "$out"
