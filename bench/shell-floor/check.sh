#!/bin/sh
# Shell floor of CHECK: reading what CHECK looks at (the tap, both ingress hooks) with plain
# iproute2 commands, in the pod namespace named $1.
set -eu
ns=$1
ip -n "$ns" -json -details link show dev tap0_urunc >/dev/null
tc -n "$ns" -json filter show dev eth0 ingress >/dev/null
tc -n "$ns" -json filter show dev tap0_urunc ingress >/dev/null
