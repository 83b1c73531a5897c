#!/usr/bin/env bash
# Build the urunc-tap real-VMM test guest: a Debian cloud kernel + a busybox initramfs whose
# /init (test/vm/init) configures eth0 from the kernel command line and serves HTTP/echo.
#
# Usage: test/vm/build-guest.sh            (as root; installs missing Debian packages)
# Env:   URUNC_TAP_GUEST_DIR     output/cache dir (default /var/cache/urunc-tap-test/guest)
#        URUNC_TAP_GUEST_KERNEL  kernel version to use (default: newest /boot/vmlinuz-*-cloud-amd64)
#        URUNC_TAP_GUEST_FORCE=1 rebuild even if the cache stamp matches
# Output (last lines of stdout, also usable with `eval`):
#   URUNC_TAP_GUEST_VMLINUZ=<dir>/vmlinuz
#   URUNC_TAP_GUEST_INITRD=<dir>/initramfs.cpio.gz
# Cached: when both files exist and <dir>/stamp matches (kernel version, sha256 of init and of
# this script, busybox version), nothing is rebuilt.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INIT_SRC="$HERE/init"
OUT=${URUNC_TAP_GUEST_DIR:-/var/cache/urunc-tap-test/guest}
# Modules the guest needs; their dependencies are resolved from modules.dep.
ROOT_MODULES=(virtio_pci virtio_net)

log() { echo "build-guest: $*" >&2; }
die() { echo "build-guest: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs packages, creates device nodes)"
[ -f "$INIT_SRC" ] || die "missing $INIT_SRC"

# ---- packages -------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
	log "apt-get install $*"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --no-install-recommends "$@" >&2; then
		[ "$APT_UPDATED" = 0 ] || die "apt-get install $* failed"
		log "install failed; running apt-get update and retrying"
		apt-get update >&2
		APT_UPDATED=1
		apt-get install -y --no-install-recommends "$@" >&2
	fi
}
pkg_installed() { dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

newest_cloud_kernel() {
	local f
	for f in /boot/vmlinuz-*-cloud-amd64; do
		[ -e "$f" ] && basename "$f" | sed 's/^vmlinuz-//'
	done | sort -V | tail -n1
}

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
pkg_installed busybox-static || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v gzip >/dev/null || need+=(gzip)
[ -n "${URUNC_TAP_GUEST_KERNEL:-}" ] || [ -n "$(newest_cloud_kernel)" ] || need+=(linux-image-cloud-amd64)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"

KVER=${URUNC_TAP_GUEST_KERNEL:-$(newest_cloud_kernel)}
[ -n "$KVER" ] || die "no /boot/vmlinuz-*-cloud-amd64 even after installing linux-image-cloud-amd64"
VMLINUZ_SRC=/boot/vmlinuz-$KVER
MODDIR=/lib/modules/$KVER
[ -f "$VMLINUZ_SRC" ] || die "missing $VMLINUZ_SRC"
[ -f "$MODDIR/modules.dep" ] || die "missing $MODDIR/modules.dep"
BUSYBOX=/bin/busybox
BB_VERSION=$(dpkg-query -W -f '${Version}' busybox-static)

# ---- cache check ------------------------------------------------------------------------
STAMP="kernel=$KVER
init=$(sha256sum "$INIT_SRC" | cut -d' ' -f1)
script=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)
busybox=$BB_VERSION"

print_paths() {
	echo "URUNC_TAP_GUEST_VMLINUZ=$OUT/vmlinuz"
	echo "URUNC_TAP_GUEST_INITRD=$OUT/initramfs.cpio.gz"
}
is_fresh() {
	[ "${URUNC_TAP_GUEST_FORCE:-0}" != 1 ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initramfs.cpio.gz" ] &&
		[ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP" ]
}
if is_fresh; then
	log "cache hit in $OUT"
	print_paths
	exit 0
fi

mkdir -p "$OUT"
# Serialize concurrent builds (parallel test workers); re-check after taking the lock.
exec 9>"$OUT/.lock"
flock 9
if is_fresh; then
	log "cache hit in $OUT (built by a concurrent run)"
	print_paths
	exit 0
fi

# ---- modules: dependency closure in load order, from modules.dep --------------------------
# modules.dep lines: "kernel/x/a.ko[.xz]: dep1.ko dep2.ko ..." with the full transitive
# closure of deps; modprobe loads them in reverse list order, then the module itself.
declare -A DEP_PATH=()
while IFS= read -r line; do
	path=${line%%:*}
	name=${path##*/}; name=${name%%.ko*}; name=${name//-/_}
	DEP_PATH[$name]=$path
done <"$MODDIR/modules.dep"

declare -A LOADED=()
ORDER=()
add_module() {
	local name=${1//-/_} path deps i
	[ -n "${LOADED[$name]:-}" ] && return 0
	if [ -z "${DEP_PATH[$name]:-}" ]; then
		grep -qE "/${name//_/[-_]}\.ko" "$MODDIR/modules.builtin" 2>/dev/null && { LOADED[$name]=builtin; return 0; }
		die "module $name not found in $MODDIR/modules.dep"
	fi
	path=${DEP_PATH[$name]}
	read -r -a deps <<<"$(grep -E "^${path//./\\.}:" "$MODDIR/modules.dep" | cut -d: -f2-)"
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
		local d; d=$(basename "${deps[$i]}"); add_module "${d%%.ko*}"
	done
	LOADED[$name]=1
	ORDER+=("$name")
}
for m in "${ROOT_MODULES[@]}"; do add_module "$m"; done
log "kernel $KVER, modules in load order: ${ORDER[*]}"

# ---- stage the initramfs ------------------------------------------------------------------
STAGE=$(mktemp -d "$OUT/.stage.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
R=$STAGE/root
mkdir -p "$R"/{bin,sbin,etc,proc,sys,dev,tmp,run,lib/modules}
mknod -m 600 "$R/dev/console" c 5 1
mknod -m 666 "$R/dev/null" c 1 3
cp "$BUSYBOX" "$R/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$R/bin/$applet"
done
install -m 755 "$INIT_SRC" "$R/init"

: >"$R/etc/modules.load"
for name in "${ORDER[@]}"; do
	src=$MODDIR/${DEP_PATH[$name]}
	dst=$R/lib/modules/$name.ko
	case "$src" in
		*.ko) cp "$src" "$dst" ;;
		*.ko.xz)
			command -v xz >/dev/null || apt_install xz-utils
			xz -dc "$src" >"$dst" ;;
		*.ko.zst)
			command -v zstd >/dev/null || apt_install zstd
			zstd -qdc "$src" >"$dst" ;;
		*.ko.gz) gzip -dc "$src" >"$dst" ;;
		*) die "unknown module format: $src" ;;
	esac
	echo "$name" >>"$R/etc/modules.load"
done
printf 'root:x:0:0:root:/:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"

(cd "$R" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -9n >"$STAGE/initramfs.cpio.gz"
cp "$VMLINUZ_SRC" "$STAGE/vmlinuz"

# Publish atomically: stamp goes last, so a crash mid-way leaves a stale (rebuilt) cache.
rm -f "$OUT/stamp"
mv -f "$STAGE/vmlinuz" "$OUT/vmlinuz"
mv -f "$STAGE/initramfs.cpio.gz" "$OUT/initramfs.cpio.gz"
printf '%s\n' "$STAMP" >"$OUT/stamp"
log "built $(du -h "$OUT/initramfs.cpio.gz" | cut -f1) initramfs in $OUT"
print_paths
