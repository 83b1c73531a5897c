#!/usr/bin/env bash
# Installs what urunc-tap's demo and test suite need on a fresh Debian 12 machine (as root):
# Debian packages first, then the npm packages from package-lock.json, then the build.
# Idempotent: a package already installed is not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

# iproute2 + util-linux (nsenter): what the plugin drives. iputils-ping, python3: test helpers.
# The rest are the real peers of the end-to-end tier: Debian's reference CNI plugins, libcni's
# sources with Go to build a client from them, qemu, and a kernel + busybox for a tiny guest.
# podman builds and runs the installer's OCI image (scripts/build-image.sh) offline; containerd
# (1.6, with its CRI plugin; pulls in runc) is the CRI tier's runtime, whose pause image is
# assembled from busybox-static, and checks that deploy/kubernetes/containerd-urunc.toml is a
# config it accepts; e2fsprogs has chattr, which makes a directory unwritable even for root (the
# install tests' unwritable targets).
PACKAGES=(
  iproute2 util-linux iputils-ping python3
  containernetworking-plugins golang-go golang-github-appc-cni-dev
  qemu-system-x86 busybox-static linux-image-cloud-amd64 cpio gzip
  podman containerd e2fsprogs
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
