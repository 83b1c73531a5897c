#!/usr/bin/env bash
# The bug urunc-tap fixes, played for real with a real VMM, as a container runtime would drive
# it: a throwaway pod (a pod namespace with eth0, its veth peer in a node namespace), ADD, the
# tap and its redirects, CHECK and the orphaned-redirect repair; then a qemu guest on the tap
# with the pod's MAC and IP answering ping from the node namespace; kill -9 of qemu (the tap
# survives, traffic is black-holed while no VMM holds it); a restarted qemu answering again with
# no ADD and no tc change; kill -9 once more and DEL (the case the runtime's kill path got
# wrong): nothing of urunc-tap's is left and the pod interface answers ping again.
#
# Installs what it needs first (scripts/install-deps.sh; the guest with test/vm/build-guest.sh,
# cached). All traffic stays inside the two namespaces it creates, on 10.99.0.0/24. Removes
# everything it made when it ends, also on failure or Ctrl-C. Exits non-zero when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

POD=urunc-demo-pod
NODE=urunc-demo-node
POD_NETNS=/run/netns/$POD
NODE_IP=10.99.0.1
POD_IP=10.99.0.2
PREFIX=24
TAP=tap0_urunc
PLUGIN=build/urunc-tap
CNI_VERSION=1.1.0
# How long the guest may take to answer (it does after ~3-4 s under TCG on an idle machine).
GUEST_TIMEOUT=${URUNC_DEMO_GUEST_TIMEOUT:-60}

step() {
  if [ -t 1 ]; then printf '\n\033[1m== %s\033[0m\n' "$*"; else printf '\n== %s\n' "$*"; fi
}
show() {
  printf '$ %s\n' "$*"
  "$@"
}
ok() { printf -- '-> %s\n' "$*"; }
# `urunc-tap inspect` of the pod, shown; its verdict (first line) must be $1.
inspect_pod() {
  local expected=$1 out rc=0
  printf '$ %s inspect --netns %s\n' "$PLUGIN" "$POD"
  out=$("$PLUGIN" inspect --netns "$POD") || rc=$?
  printf '%s\n' "$out"
  [ "$(head -n1 <<<"$out")" = "/run/netns/$POD: $expected" ] || die "inspect did not say $expected"
  ok "inspect: $expected (exit $rc)"
}
die() {
  printf 'demo: FAILED: %s\n' "$*" >&2
  exit 1
}

# One demo at a time on the machine, from any checkout (its namespaces have fixed names): a
# second one waits for the first.
mkdir -p /run/lock
exec 9>/run/lock/urunc-tap-demo.lock
flock -w 300 9 || die "another demo is still running"

WORK=
QEMU_PID=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$QEMU_PID" ]; then
    kill -KILL "$QEMU_PID" 2>/dev/null || true
    wait "$QEMU_PID" 2>/dev/null || true
  fi
  ip netns del "$POD" 2>/dev/null || true
  ip netns del "$NODE" 2>/dev/null || true
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/install-deps.sh >&2
GUEST=$(bash test/vm/build-guest.sh)
VMLINUZ=$(sed -n 's/^URUNC_TAP_GUEST_VMLINUZ=//p' <<<"$GUEST")
INITRD=$(sed -n 's/^URUNC_TAP_GUEST_INITRD=//p' <<<"$GUEST")
if [ ! -s "$VMLINUZ" ] || [ ! -s "$INITRD" ]; then die "test/vm/build-guest.sh gave no guest: $GUEST"; fi

# Leftovers of a demo that was SIGKILLed (its qemu died with it: --pdeathsig below); the lock
# says no other demo is running.
ip netns del "$POD" 2>/dev/null || true
ip netns del "$NODE" 2>/dev/null || true
rm -rf /tmp/urunc-demo.*
WORK=$(mktemp -d /tmp/urunc-demo.XXXXXX)

# ---- the runtime's side ----------------------------------------------------------------------

# The plugin's config: the network's entry of the conflist, with the prevResult in the JSON
# file given (none without one).
netconf() {
  python3 - "$CNI_VERSION" "$@" <<'PY'
import json, sys
config = {"cniVersion": sys.argv[1], "name": "demo", "type": "urunc-tap"}
if len(sys.argv) > 2:
    config["prevResult"] = json.load(open(sys.argv[2]))
print(json.dumps(config))
PY
}

# Runs the plugin as a runtime does: CNI_* env, CONFIG_FILE on stdin. Shows stdout
# pretty-printed and keeps it in RESULT_FILE if given; returns the plugin's exit code.
cni() {
  local command=$1 config=$2 result=${3:-/dev/null} out rc=0
  printf '$ CNI_COMMAND=%s CNI_CONTAINERID=demo CNI_NETNS=%s CNI_IFNAME=eth0 %s < %s\n' \
    "$command" "$POD_NETNS" "$PLUGIN" "${config#"$WORK"/}"
  out=$(CNI_COMMAND=$command CNI_CONTAINERID=demo CNI_NETNS=$POD_NETNS CNI_IFNAME=eth0 \
    CNI_PATH=/opt/cni/bin "$PLUGIN" <"$config") || rc=$?
  if [ -n "$out" ]; then
    python3 -m json.tool <<<"$out"
    printf '%s\n' "$out" >"$result"
  fi
  return "$rc"
}

# What a runtime like urunc takes from the ADD result for its VMM: the tap (the last interface
# in the sandbox after the pod's), the pod interface's MAC, the pod's address and gateway.
attachment() {
  python3 - "$1" "$POD_NETNS" <<'PY'
import json, sys
result, netns = json.load(open(sys.argv[1])), sys.argv[2]
interfaces = result["interfaces"]
pod = next(i for i, x in enumerate(interfaces) if x["name"] == "eth0" and x.get("sandbox") == netns)
tap = [x for i, x in enumerate(interfaces) if x.get("sandbox") == netns and i != pod][-1]
ip = next(x for x in result["ips"] if x.get("interface") == pod)
print(tap["name"], interfaces[pod]["mac"], ip["address"], ip.get("gateway", ""))
PY
}

mac_of() { ip -n "$1" -j link show dev "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }

# Both redirects as tc lists them (no counters), and the tap's ifindex: the wiring's identity.
wiring() {
  ip -n "$POD" -o link show dev "$TAP" | cut -d: -f1 | sed 's/^/tap ifindex /'
  tc -n "$POD" filter show dev eth0 ingress
  tc -n "$POD" filter show dev "$TAP" ingress
}

# Compares the wiring now with the one recorded after ADD; shows the diff (empty when equal).
same_wiring() {
  wiring >"$WORK/wiring-now.txt"
  printf '$ diff -u wiring-after-add wiring-now   # tap ifindex + both filters\n'
  diff -u --label wiring-after-add --label wiring-now "$WORK/wiring-at-add.txt" "$WORK/wiring-now.txt" &&
    echo "(no difference)"
}

# Packets eth0's redirect took but could not hand to the tap (tc counts them as overlimits).
undelivered() {
  tc -n "$POD" -s -j filter show dev eth0 ingress | python3 -c '
import json, sys
print(sum(a.get("stats", {}).get("overlimits", 0)
          for f in json.load(sys.stdin) for a in f.get("options", {}).get("actions", [])))'
}

# The node pinging the pod's IP, the command shown first like every other (show).
pings() { show ip netns exec "$NODE" ping -c 3 -i 0.2 -W 1 "$POD_IP"; }

# Starts qemu the way urunc starts a VMM: inside the pod namespace, on the tap named by the ADD
# result, with the pod interface's MAC and the pod's IP (test/vm/init reads urunc.ip/urunc.gw).
# setpriv --pdeathsig: qemu dies with this script even if the script is SIGKILLed.
start_guest() {
  local serial=$1
  local qemu=(
    qemu-system-x86_64 -name urunc-demo-guest -accel tcg -machine pc -m 128 -smp 1
    -nodefaults -no-user-config -display none -monitor none -no-reboot
    -serial "file:$serial" -kernel "$VMLINUZ" -initrd "$INITRD"
    -append "console=ttyS0 panic=-1 quiet urunc.ip=$VM_ADDRESS urunc.gw=$VM_GATEWAY urunc.blob_mib=0 urunc.echo_port=0"
    -netdev "tap,id=n0,ifname=$VM_TAP,script=no,downscript=no,vhost=off"
    -device "virtio-net-pci,netdev=n0,mac=$VM_MAC,romfile="
  )
  printf '$ nsenter --net=%s -- qemu-system-x86_64 -accel tcg ... -kernel %s -initrd %s \\\n' \
    "$POD_NETNS" "$VMLINUZ" "$INITRD"
  printf "    -append '... urunc.ip=%s urunc.gw=%s' \\\\\n" "$VM_ADDRESS" "$VM_GATEWAY"
  printf '    -netdev tap,id=n0,ifname=%s,script=no,downscript=no,vhost=off \\\n' "$VM_TAP"
  printf '    -device virtio-net-pci,netdev=n0,mac=%s,romfile= &\n' "$VM_MAC"
  setpriv --pdeathsig KILL -- nsenter --net="$POD_NETNS" -- "${qemu[@]}" \
    </dev/null >"$serial.out" 2>&1 &
  QEMU_PID=$!
  ok "qemu started, pid $QEMU_PID"
}

# Polls (bounded) until the guest reports READY on its serial console and answers a ping from
# the node namespace; fails early if qemu exits. The line is taken once its last field (uptime=)
# is there: the log grows while it is read, and grep prints a line cut short too.
wait_for_guest() {
  local serial=$1 started=$SECONDS line=
  while :; do
    if ! kill -0 "$QEMU_PID" 2>/dev/null; then
      tail -n 20 "$serial" "$serial.out" >&2 || true
      die "qemu exited before the guest answered"
    fi
    [ -n "$line" ] || line=$(grep -m1 -a '^URUNC-GUEST-READY .* uptime=' "$serial" 2>/dev/null | tr -d '\r') || true
    if [ -n "$line" ] && ip netns exec "$NODE" ping -c 1 -W 1 "$POD_IP" >/dev/null 2>&1; then
      break
    fi
    if [ $((SECONDS - started)) -ge "$GUEST_TIMEOUT" ]; then
      tail -n 20 "$serial" >&2 || true
      die "the guest did not answer within ${GUEST_TIMEOUT} s"
    fi
    sleep 0.2
  done
  ok "guest up after $((SECONDS - started)) s; its serial console says: ${line%% http_port=*}"
}

kill_guest() {
  local rc=0
  show kill -9 "$QEMU_PID"
  wait "$QEMU_PID" 2>/dev/null || rc=$?
  QEMU_PID=
  [ "$rc" = 137 ] || die "qemu ended with status $rc, not by SIGKILL"
  ok "qemu killed by SIGKILL (exit status $rc)"
}

# Carrier changes reach the link flags through linkwatch, up to ~1 s later.
wait_for_no_carrier() {
  for _ in $(seq 50); do
    ip -n "$POD" link show dev "$TAP" | grep -q NO-CARRIER && return 0
    sleep 0.1
  done
  die "$TAP still has a carrier after its VMM died"
}

# ---- the demo ---------------------------------------------------------------------------------

step "A pod: namespace $POD with eth0 ($POD_IP), the other end of the veth in $NODE ($NODE_IP)"
ip netns add "$POD"
ip netns add "$NODE"
ip -n "$NODE" link add veth0 type veth peer name eth0 netns "$POD"
ip -n "$NODE" addr add "$NODE_IP/$PREFIX" dev veth0
ip -n "$POD" addr add "$POD_IP/$PREFIX" dev eth0
ip -n "$NODE" link set veth0 up
ip -n "$POD" link set eth0 up
ip -n "$POD" link set lo up
for _ in $(seq 50); do
  ip -n "$POD" link show dev eth0 | grep -q LOWER_UP && break
  sleep 0.1
done
show ip -n "$POD" -br addr
# What the interface plugin before urunc-tap in the chain (ptp here) hands down as prevResult.
python3 - "$CNI_VERSION" "$POD_NETNS" "$(mac_of "$NODE" veth0)" "$(mac_of "$POD" eth0)" \
  "$POD_IP/$PREFIX" "$NODE_IP" >"$WORK/ptp-result.json" <<'PY'
import json, sys
version, netns, node_mac, pod_mac, address, gateway = sys.argv[1:]
print(json.dumps({"cniVersion": version,
                  "interfaces": [{"name": "veth0", "mac": node_mac},
                                 {"name": "eth0", "mac": pod_mac, "sandbox": netns}],
                  "ips": [{"address": address, "gateway": gateway, "interface": 1}],
                  "routes": [{"dst": "0.0.0.0/0"}], "dns": {}}))
PY
netconf "$WORK/ptp-result.json" >"$WORK/add-config.json"

step "ADD: the runtime creates the pod sandbox (config: urunc-tap after ptp, ptp's result as prevResult)"
cni ADD "$WORK/add-config.json" "$WORK/add-result.json" || die "ADD failed"
# libcni sends the final ADD result as prevResult on CHECK and DEL.
netconf "$WORK/add-result.json" >"$WORK/config.json"

step "The tap, its ingress hook, and the two mirred redirects"
show ip -n "$POD" -d link show "$TAP"
show tc -n "$POD" qdisc show ingress
show tc -n "$POD" filter show dev eth0 ingress
show tc -n "$POD" filter show dev "$TAP" ingress

step "CHECK: nothing is missing (no output, exit 0)"
cni CHECK "$WORK/config.json" || die "CHECK failed on a fresh ADD"
ok "CHECK ok"

step "Break it the way a crashed runtime used to: delete only the tap. eth0's redirect now points nowhere; CHECK names the black hole"
show ip -n "$POD" link del "$TAP"
show tc -n "$POD" filter show dev eth0 ingress
rc=0
cni CHECK "$WORK/config.json" || rc=$?
[ "$rc" != 0 ] || die "CHECK passed with the tap deleted"
ok "CHECK failed (exit $rc), as it should"
inspect_pod black-hole

step "ADD again repairs it (a new tap, eth0's orphaned redirect replaced); CHECK is happy again"
cni ADD "$WORK/add-config.json" "$WORK/add-result.json" || die "the repairing ADD failed"
netconf "$WORK/add-result.json" >"$WORK/config.json"
cni CHECK "$WORK/config.json" || die "CHECK failed after the repairing ADD"
ok "CHECK ok"
inspect_pod waiting-for-vmm
wiring >"$WORK/wiring-at-add.txt"

step "The runtime starts the VMM: qemu in the pod namespace on the tap, with eth0's MAC and the pod's IP"
read -r VM_TAP VM_MAC VM_ADDRESS VM_GATEWAY <<<"$(attachment "$WORK/add-result.json")"
ok "from the ADD result: tap $VM_TAP, MAC $VM_MAC, address $VM_ADDRESS, gateway $VM_GATEWAY"
# The pod's IP moves into the guest: with it off eth0, only the guest can answer for it.
show ip -n "$POD" addr del "$POD_IP/$PREFIX" dev eth0
start_guest "$WORK/serial-1.log"
wait_for_guest "$WORK/serial-1.log"

step "The guest answers ping from the node namespace, through veth -> eth0 -> mirred -> tap"
show ip -n "$POD" -br addr show dev eth0
pings || die "the guest did not answer ping"
ok "the guest answered ping through the tap"
inspect_pod healthy

step "kill -9 of the VMM (OOM, crash): the tap survives, NO-CARRIER, both redirects intact"
kill_guest
wait_for_no_carrier
show ip -n "$POD" link show dev "$TAP"
show tc -n "$POD" filter show dev eth0 ingress
show tc -n "$POD" filter show dev "$TAP" ingress
same_wiring || die "the wiring changed when qemu died"
ok "the tap and its redirects survived the VMM (same tap, same filters as after ADD)"
cni CHECK "$WORK/config.json" || die "CHECK failed with the VMM dead"
ok "CHECK ok: nothing needs repair, the pod sandbox still stands"
inspect_pod waiting-for-vmm

step "While no VMM holds the tap, the pod's traffic is black-holed: ping fails"
before=$(undelivered)
if pings; then die "ping was answered with no VMM on the tap"; fi
ok "ping failed"
show tc -n "$POD" -s filter show dev eth0 ingress
after=$(undelivered)
[ "$after" -gt "$before" ] || die "eth0's redirect did not take the pings ($before -> $after)"
ok "eth0's redirect took the pings and could not deliver them to the tap: overlimits $before -> $after"

step "The runtime restarts the VMM: a new qemu on the same tap, no ADD, no tc change"
start_guest "$WORK/serial-2.log"
wait_for_guest "$WORK/serial-2.log"
pings || die "the restarted guest did not answer ping"
ok "the restarted guest answered ping"
same_wiring || die "the wiring changed across the restart"
ok "filters unchanged: the same tap and redirects as after ADD"

step "The pod is deleted after its VMM crashed once more: kill -9, then DEL with nothing holding the tap"
kill_guest
cni DEL "$WORK/config.json" || die "DEL failed"
ok "DEL ok"
# libcni sends no prevResult on a repeated DEL.
netconf >"$WORK/del-again-config.json"
cni DEL "$WORK/del-again-config.json" || die "the second DEL failed"
ok "second DEL ok"

step "Nothing of urunc-tap's is left: only lo and eth0, no ingress qdisc, no filter"
show ip -n "$POD" -br link
show tc -n "$POD" qdisc show ingress
show tc -n "$POD" filter show dev eth0 ingress
links=$(ip -n "$POD" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | tr '\n' ' ')
[ "$links" = "eth0 lo " ] || die "links left in the pod: $links"
[ -z "$(tc -n "$POD" qdisc show ingress)" ] || die "an ingress qdisc is left"
[ -z "$(tc -n "$POD" filter show dev eth0 ingress)" ] || die "a filter is left on eth0"
ok "clean: nothing of urunc-tap's is left in the pod"

step "The pod interface works again: eth0 gets the pod's IP back, as a runtime would, and answers"
show ip -n "$POD" addr add "$POD_IP/$PREFIX" dev eth0
pings || die "the pod interface did not answer ping after DEL"
ok "the pod interface answered ping"
echo
echo "Demo finished; the namespaces and the guest are removed on exit."
