#!/bin/sh
# Shell floor of DEL: the kernel work of urunc-tap's DEL with plain iproute2 commands, in the
# pod namespace named $1: the pod interface's ingress qdisc (its redirect goes with it), then
# the tap (its own qdisc and redirect go with it; the kernel takes ~20 ms to delete a tap).
set -eu
ns=$1
tc -n "$ns" qdisc del dev eth0 ingress
ip -n "$ns" link del dev tap0_urunc
