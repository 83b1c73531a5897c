#!/usr/bin/env bash
# Builds the installer's OCI image with podman, offline: FROM scratch (nothing is pulled), the
# self-contained executable (build/urunc-tap, from `npm run build`) at /urunc-tap, and the shared
# libraries `ldd` names for it copied at their paths (the ELF interpreter, libc, libm, ...).
# The image's time is the last commit's (or 1970 outside a git checkout), not the build's.
#
# Usage: scripts/build-image.sh [--tag NAME] [--executable FILE] [--archive FILE]
#   --tag         image name (default localhost/urunc-tap-installer:VERSION, as daemonset.yaml)
#   --executable  the executable to put in (default build/urunc-tap)
#   --archive     also write the image as an OCI archive, for `ctr -n k8s.io images import FILE`
# Prints the image ID on stdout; what it did on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json)
tag="localhost/urunc-tap-installer:$version"
executable=build/urunc-tap
archive=
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --executable) executable=$2; shift 2 ;;
    --archive) archive=$2; shift 2 ;;
    *) echo "build-image: unknown argument $1 (see the usage at the top of $0)" >&2; exit 2 ;;
  esac
done
[ -x "$executable" ] || { echo "build-image: no executable at $executable: run npm run build" >&2; exit 1; }
command -v podman >/dev/null || { echo "build-image: podman is not installed: scripts/install-deps.sh installs it" >&2; exit 1; }

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/rootfs"
cp "$executable" "$context/rootfs/urunc-tap"
chmod 0755 "$context/rootfs/urunc-tap"

# ldd's lines: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and, for the interpreter,
# "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso is the kernel's and has no file.
libraries=$(ldd "$executable" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
[ -n "$libraries" ] || { echo "build-image: ldd found no shared libraries for $executable" >&2; exit 1; }
for library in $libraries; do
  mkdir -p "$context/rootfs$(dirname "$library")"
  # -L: the file itself, not Debian's symlink to it (libc.so.6 -> libc-2.36.so on older ones).
  cp -L "$library" "$context/rootfs$library"
done
cp deploy/image/Containerfile "$context/Containerfile"

sha=$(sha256sum "$executable" | cut -d' ' -f1)
timestamp=$(git log -1 --format=%ct 2>/dev/null || echo 0)
previous=$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
echo "build-image: $tag from $executable (sha256 $sha) and $(echo "$libraries" | tr '\n' ' ')" >&2
podman build --quiet --no-cache --layers=false --pull=never --network=none --timestamp "$timestamp" \
  --label "org.opencontainers.image.title=urunc-tap-installer" \
  --label "org.opencontainers.image.version=$version" \
  --label "io.urunc-tap.executable.sha256=$sha" \
  --tag "$tag" --file "$context/Containerfile" "$context/" >/dev/null
id=$(podman image inspect --format '{{.Id}}' "$tag")
# The image this tag named before: removed (110 MB each) once no tag names it any more; an
# image another tag or a container still uses stays.
if [ -n "$previous" ] && [ "$previous" != "$id" ] &&
  [ "$(podman image inspect --format '{{len .RepoTags}}' "$previous" 2>/dev/null)" = 0 ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "build-image: built $tag ($id, $((size / 1024 / 1024)) MiB)" >&2
if [ -n "$archive" ]; then
  rm -f "$archive"
  podman save --quiet --format oci-archive --output "$archive" "$tag"
  echo "build-image: wrote $archive" >&2
fi
echo "$id"
