#!/bin/sh
# Shell floor of ADD: the kernel work of urunc-tap's ADD done by plain iproute2 commands, one
# per change, in the pod namespace named $1 (pod interface eth0, tap tap0_urunc).
set -eu
ns=$1
cookie=7572756e632d74617001000000000000
ip -n "$ns" tuntap add dev tap0_urunc mode tap vnet_hdr
ip -n "$ns" link set dev tap0_urunc mtu 1500 address 02:75:72:75:6e:63 alias urunc-tap:bench:eth0:shell up
tc -n "$ns" qdisc add dev eth0 ingress
tc -n "$ns" filter add dev eth0 ingress pref 65280 protocol all u32 match u32 0 0 \
  action mirred egress redirect dev tap0_urunc cookie "$cookie"
tc -n "$ns" qdisc add dev tap0_urunc ingress
tc -n "$ns" filter add dev tap0_urunc ingress pref 65280 protocol all u32 match u32 0 0 \
  action mirred egress redirect dev eth0 cookie "$cookie"
