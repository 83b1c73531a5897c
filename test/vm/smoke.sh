#!/usr/bin/env bash
# Self-contained proof that the real-VMM test guest works behind urunc's tap plumbing:
#   root ns: HOSTIF (10.250.X.1/24)  <-veth->  ns NAME: eth0 (no IP, pod MAC)
#            eth0 ingress --u32 match-all, mirred egress redirect--> tap0_urunc (vnet_hdr)
#            tap0_urunc ingress --u32 match-all, mirred egress redirect--> eth0
#            qemu (TCG) -netdev tap,ifname=tap0_urunc  virtio-net-pci mac=<eth0 MAC>
#            guest eth0 = 10.250.X.2/24 (the pod IP, moved into the guest as urunc does)
# then, from the root ns, pings the guest, downloads its random blob over HTTP and checks the
# sha256, uploads a blob (host->guest) and checks the sha256 the guest computed, and echoes
# over TCP. Prints timings. Everything it creates is removed on exit (trap), even on failure.
#
# Run as root: test/vm/smoke.sh
# Env knobs:
#   SMOKE_BLOB_MIB=4          size of the guest's blob (download) and of the upload
#   SMOKE_VNET_HDR=           "" = qemu default (probe, which turns vnet_hdr on), or on/off
#   SMOKE_NIC_OPTS=           appended to the virtio-net-pci device, e.g. ",csum=off,guest_csum=off"
#   SMOKE_HOST_OFFLOAD=       "off" = ethtool -K <host veth> tx/tso/gso/sg off before the test
#   SMOKE_BOOT_TIMEOUT=120    seconds to wait for the first ping answer
#   SMOKE_VERBOSE=1           full kernel log on the serial console (default: quiet)
#   SMOKE_KEEP_LOG=1          keep the work dir (serial log) after exit
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BLOB_MIB=${SMOKE_BLOB_MIB:-4}
BOOT_TIMEOUT=${SMOKE_BOOT_TIMEOUT:-120}
TAP=tap0_urunc

log() { echo "smoke: $*"; }
die() { echo "smoke: FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

[ "$(id -u)" = 0 ] || die "must run as root"

# ---- guest ---------------------------------------------------------------------------------
T_BUILD=$(now)
eval "$("$HERE/build-guest.sh" | grep -E '^URUNC_TAP_GUEST_(VMLINUZ|INITRD)=')"
log "guest ready in $(elapsed "$T_BUILD" "$(now)") s: $URUNC_TAP_GUEST_VMLINUZ $URUNC_TAP_GUEST_INITRD"

# ---- names and addresses (unique per run) ----------------------------------------------------
SUFFIX=$(printf '%04x%04x' $$ $RANDOM | tail -c 8)
NS=urunc-smoke-$SUFFIX
HOSTIF=usmk$SUFFIX # 12 chars, < IFNAMSIZ
SUBNET=
for _ in $(seq 1 50); do
	x=$((RANDOM % 254 + 1))
	if [ -z "$(ip -4 route show to root "10.250.$x.0/24")" ] && ! ip -4 -o addr show | grep -q " 10\.250\.$x\."; then
		SUBNET=10.250.$x
		break
	fi
done
[ -n "$SUBNET" ] || die "no free 10.250.X.0/24 subnet"
HOST_IP=$SUBNET.1
GUEST_IP=$SUBNET.2

WORK=$(mktemp -d /tmp/urunc-smoke.XXXXXX)
SERIAL=$WORK/serial.log
QEMU_PID=

cleanup() {
	local rc=$?
	set +e
	if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill "$QEMU_PID"
		for _ in $(seq 1 20); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$QEMU_PID" 2>/dev/null
		wait "$QEMU_PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null # takes eth0 and tap0_urunc, hence the veth peer, with it
	ip link del "$HOSTIF" 2>/dev/null
	if [ $rc -ne 0 ] && [ -s "$SERIAL" ]; then
		echo "smoke: ---- guest serial log (last 40 lines) ----" >&2
		tail -n 40 "$SERIAL" >&2
	fi
	if [ "${SMOKE_KEEP_LOG:-0}" = 1 ]; then echo "smoke: kept $WORK" >&2; else rm -rf "$WORK"; fi
	[ $rc -eq 0 ] && echo "smoke: PASS" || echo "smoke: FAIL (rc=$rc)" >&2
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- namespace, veth, tap, tc --------------------------------------------------------------
log "netns $NS, host veth $HOSTIF $HOST_IP/24, guest $GUEST_IP/24"
ip netns add "$NS"
ip link add "$HOSTIF" type veth peer name eth0 netns "$NS"
[ -w "/proc/sys/net/ipv6/conf/$HOSTIF/disable_ipv6" ] && echo 1 >"/proc/sys/net/ipv6/conf/$HOSTIF/disable_ipv6"
ip addr add "$HOST_IP/24" dev "$HOSTIF"
ip link set "$HOSTIF" up
if [ "${SMOKE_HOST_OFFLOAD:-}" = off ]; then
	ethtool -K "$HOSTIF" tx off sg off tso off gso off gro off >/dev/null
	log "host veth offloads off"
fi

ip -n "$NS" link set lo up
ip -n "$NS" link set eth0 up
POD_MAC=$(ip -n "$NS" -br link show dev eth0 | awk '{print $3}')
POD_MTU=$(cat "/sys/class/net/$HOSTIF/mtu")
ip -n "$NS" tuntap add dev "$TAP" mode tap vnet_hdr
ip -n "$NS" link set "$TAP" mtu "$POD_MTU" up
for pair in "eth0:$TAP" "$TAP:eth0"; do
	from=${pair%%:*} to=${pair#*:}
	tc -n "$NS" qdisc add dev "$from" ingress
	tc -n "$NS" filter add dev "$from" parent ffff: protocol all prio 49152 u32 match u32 0 0 \
		action mirred egress redirect dev "$to"
done
log "pod eth0 mac $POD_MAC mtu $POD_MTU; $TAP <-> eth0 redirects installed"

# ---- qemu ---------------------------------------------------------------------------------
NETDEV="tap,id=n0,ifname=$TAP,script=no,downscript=no,vhost=off"
[ -z "${SMOKE_VNET_HDR:-}" ] || NETDEV+=",vnet_hdr=$SMOKE_VNET_HDR"
APPEND="console=ttyS0 panic=-1 urunc.ip=$GUEST_IP/24 urunc.gw=$HOST_IP urunc.blob_mib=$BLOB_MIB"
[ "${SMOKE_VERBOSE:-0}" = 1 ] || APPEND+=" quiet"
QEMU=(nsenter "--net=/run/netns/$NS" qemu-system-x86_64
	-name "urunc-smoke-$SUFFIX" -accel tcg -machine pc -m 128 -smp 1
	-nodefaults -no-user-config -display none -monitor none -no-reboot
	-serial "file:$SERIAL"
	-kernel "$URUNC_TAP_GUEST_VMLINUZ" -initrd "$URUNC_TAP_GUEST_INITRD" -append "$APPEND"
	-netdev "$NETDEV" -device "virtio-net-pci,netdev=n0,mac=$POD_MAC,romfile=${SMOKE_NIC_OPTS:-}")
log "qemu: $(printf "%q " "${QEMU[@]}")"
T_QEMU=$(now)
"${QEMU[@]}" </dev/null >"$WORK/qemu.out" 2>&1 &
QEMU_PID=$! # nsenter execs qemu: same pid

# ---- first ping -----------------------------------------------------------------------------
# A raw-socket ICMP prober (python3) sends an echo request every 50 ms until the first reply, so
# the boot-to-ping time is measured to ~50 ms (busybox ping -c1 would retry only once a second).
T_PING=$(python3 - "$GUEST_IP" "$QEMU_PID" "$BOOT_TIMEOUT" <<'PY'
import os, select, socket, struct, sys, time
ip, qpid, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ident, seq, end = os.getpid() & 0xFFFF, 0, time.monotonic() + timeout
while time.monotonic() < end:
    try:
        os.kill(qpid, 0)
    except ProcessLookupError:
        sys.exit("qemu exited")
    seq = (seq + 1) & 0xFFFF
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"urunc-smoke!"
    s.sendto(hdr[:2] + struct.pack("!H", csum(hdr)) + hdr[4:], (ip, 0))
    t = time.monotonic() + 0.05
    while (left := t - time.monotonic()) > 0:
        if not select.select([s], [], [], left)[0]:
            break
        pkt, (src, _) = s.recvfrom(2048)
        icmp = pkt[(pkt[0] & 0x0F) * 4:]
        if src == ip and icmp[0] == 0 and struct.unpack("!H", icmp[4:6])[0] == ident:
            print("%.3f" % time.time())
            sys.exit(0)
sys.exit("no ping answer")
PY
) || { cat "$WORK/qemu.out" >&2; die "no ping answer from $GUEST_IP within ${BOOT_TIMEOUT}s"; }
log "first ping answer $(elapsed "$T_QEMU" "$T_PING") s after qemu start"
while ! grep -q '^URUNC-GUEST-READY .* uptime=' "$SERIAL"; do
	kill -0 "$QEMU_PID" 2>/dev/null || die "qemu exited"
	[ "$(elapsed "$T_QEMU" "$(now)" | cut -d. -f1)" -lt "$BOOT_TIMEOUT" ] || die "no URUNC-GUEST-READY"
	sleep 0.2
done
log "guest: $(grep -m1 '^URUNC-GUEST-READY' "$SERIAL" | tr -d '\r')"
log "$TAP: $(ip -n "$NS" -d link show dev "$TAP" | grep -o 'tun type tap.*' || true)"
if command -v ethtool >/dev/null; then
	log "$TAP offloads set by qemu: $(ip netns exec "$NS" ethtool -k "$TAP" | grep -E '^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|scatter-gather):' | tr -s '\n\t ' ' ')"
	log "$HOSTIF offloads: $(ethtool -k "$HOSTIF" | grep -E '^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|scatter-gather):' | tr -s '\n\t ' ' ')"
fi

# ---- TCP: download, upload, echo --------------------------------------------------------------
python3 - "$GUEST_IP" "$BLOB_MIB" <<'PY'
import hashlib, http.client, os, socket, sys, time
ip, mib = sys.argv[1], int(sys.argv[2])

def get(path):
    c = http.client.HTTPConnection(ip, 80, timeout=60)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200:
        sys.exit(f"smoke: FAIL: GET {path}: HTTP {r.status}")
    return body

ok = True
if mib > 0:
    want = get("/blob.bin.sha256").split()[0].decode()
    t = time.monotonic()
    blob = get("/blob.bin")
    dt = time.monotonic() - t
    got = hashlib.sha256(blob).hexdigest()
    print(f"smoke: download {len(blob)} B in {dt:.2f} s ({len(blob) / dt / 1048576:.2f} MiB/s), "
          f"sha256 {'OK' if got == want else 'MISMATCH'} {got}")
    ok &= got == want and len(blob) == mib << 20

    data = os.urandom(mib << 20)
    want = hashlib.sha256(data).hexdigest()
    t = time.monotonic()
    c = http.client.HTTPConnection(ip, 80, timeout=120)
    c.request("POST", "/cgi-bin/sha256", body=data, headers={"Content-Type": "application/octet-stream"})
    r = c.getresponse()
    got = r.read().decode().strip()
    dt = time.monotonic() - t
    print(f"smoke: upload {len(data)} B in {dt:.2f} s ({len(data) / dt / 1048576:.2f} MiB/s), "
          f"guest sha256 {'OK' if got == want else 'MISMATCH'} {got}")
    ok &= got == want

    t = time.monotonic()
    c = http.client.HTTPConnection(ip, 80, timeout=120)
    c.request("POST", "/cgi-bin/sink", body=data, headers={"Content-Type": "application/octet-stream"})
    got = c.getresponse().read().decode().strip()
    dt = time.monotonic() - t
    print(f"smoke: upload to sink (no hashing) {len(data)} B in {dt:.2f} s ({len(data) / dt / 1048576:.2f} MiB/s), "
          f"guest counted {got} B {'OK' if got == str(len(data)) else 'MISMATCH'}")
    ok &= got == str(len(data))

msg = os.urandom(4096)
s = socket.create_connection((ip, 7), timeout=20)
s.sendall(msg)
back = b""
while len(back) < len(msg):
    chunk = s.recv(65536)
    if not chunk:
        break
    back += chunk
s.close()
print(f"smoke: echo {len(msg)} B {'OK' if back == msg else 'MISMATCH'}")
ok &= back == msg
sys.exit(0 if ok else 1)
PY

log "tc redirect counters: $(tc -n "$NS" -s filter show dev eth0 parent ffff: | grep -m1 -o 'Sent [0-9]* bytes [0-9]* pkt') (eth0->tap), $(tc -n "$NS" -s filter show dev "$TAP" parent ffff: | grep -m1 -o 'Sent [0-9]* bytes [0-9]* pkt') (tap->eth0)"
# Average frame size through the tap tells whether GSO super-frames crossed the redirect intact.
read -r TX_B TX_P RX_B RX_P < <(ip -n "$NS" -j -s link show dev "$TAP" | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]["stats64"]
print(s["tx"]["bytes"], s["tx"]["packets"], s["rx"]["bytes"], s["rx"]["packets"])')
log "$TAP frames: to guest $TX_P pkts avg $((TX_B / (TX_P ? TX_P : 1))) B; from guest $RX_P pkts avg $((RX_B / (RX_P ? RX_P : 1))) B"
log "timings: qemu start -> first ping $(elapsed "$T_QEMU" "$T_PING") s; total $(elapsed "$T_BUILD" "$(now)") s"
