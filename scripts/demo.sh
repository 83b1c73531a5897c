#!/usr/bin/env bash
# A walk through urunc-tap's main job, as a container runtime would drive it: a throwaway pod
# namespace with a veth pod interface, ADD, look at the tap and the redirects, CHECK, DEL, and
# look again. Installs what it needs first; removes everything it made, even on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >&2

POD=urunc-demo-pod
NODE=urunc-demo-node
cleanup() {
  ip netns del "$POD" 2>/dev/null || true
  ip netns del "$NODE" 2>/dev/null || true
}
trap cleanup EXIT
cleanup

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "A pod: namespace $POD with eth0, the other end of the veth in $NODE"
ip netns add "$POD"
ip netns add "$NODE"
ip -n "$NODE" link add veth0 type veth peer name eth0 netns "$POD"
ip -n "$NODE" link set veth0 up
ip -n "$POD" link set eth0 up
show ip -n "$POD" -br link

CONFIG='{"cniVersion": "1.1.0", "name": "demo", "type": "urunc-tap"}'
# Runs the plugin as a runtime does (CNI_* env, config on stdin); shows stdout pretty-printed.
# Its log lines go to stderr; the exit code is the plugin's.
cni() {
  local command=$1 out rc=0
  printf '$ CNI_COMMAND=%s CNI_NETNS=/run/netns/%s CNI_IFNAME=eth0 ... bin/urunc-tap <<< %s\n' \
    "$command" "$POD" "$CONFIG"
  out=$(CNI_COMMAND=$command CNI_CONTAINERID=demo-container CNI_NETNS=/run/netns/$POD \
    CNI_IFNAME=eth0 CNI_PATH="$PWD/bin" bin/urunc-tap <<<"$CONFIG") || rc=$?
  if [ -n "$out" ]; then python3 -m json.tool <<<"$out"; fi
  return $rc
}

step "ADD: the runtime creates the pod sandbox"
cni ADD

step "The tap, its ingress hook, and the two mirred redirects"
show ip -n "$POD" -d link show tap0_urunc
show tc -n "$POD" qdisc show ingress
show tc -n "$POD" filter show dev eth0 ingress
show tc -n "$POD" filter show dev tap0_urunc ingress

step "CHECK: nothing is missing (no output, exit 0)"
cni CHECK && echo "CHECK ok"

step "Break it the way a crashed runtime used to: delete the tap. CHECK names the black hole"
show ip -n "$POD" link del tap0_urunc
cni CHECK || echo "(exit $?: CHECK failed, as it should)"

step "ADD again repairs it; DEL then tears the pod down (and succeeds whatever is already gone)"
cni ADD
cni DEL && echo "DEL ok"
cni DEL && echo "second DEL ok"

step "Clean again: only lo and eth0, no ingress qdisc, no filter"
show ip -n "$POD" -br link
show tc -n "$POD" qdisc show ingress
show tc -n "$POD" filter show dev eth0 ingress
echo
echo "Demo finished; the namespaces are removed on exit."
