#!/bin/sh
# ADD's kernel work in two iproute2 processes (one `ip -batch`, one `tc -batch`): the tightest
# shell floor, printed for reference next to add.sh (one command per change).
set -eu
ns=$1
cookie=7572756e632d74617001000000000000
ip -n "$ns" -batch - <<SCRIPT
tuntap add dev tap0_urunc mode tap vnet_hdr
link set dev tap0_urunc mtu 1500 address 02:75:72:75:6e:63 alias urunc-tap:bench:eth0:shell up
SCRIPT
tc -n "$ns" -batch - <<SCRIPT
qdisc add dev eth0 ingress
filter add dev eth0 ingress pref 65280 protocol all u32 match u32 0 0 action mirred egress redirect dev tap0_urunc cookie $cookie
qdisc add dev tap0_urunc ingress
filter add dev tap0_urunc ingress pref 65280 protocol all u32 match u32 0 0 action mirred egress redirect dev eth0 cookie $cookie
SCRIPT
