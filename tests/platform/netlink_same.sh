#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Device discovery must not depend on how libibverbs found the devices:
# run `ibv_devinfo -v` under irdma-emu-run with the emulated RDMA netlink
# and again with IRDMA_EMU_NETLINK=0 (sysfs only), require both to list
# exactly N devices, and require the same output.
#
# usage: netlink_same.sh RUNNER "EMU ARGS" N IBV_DEVINFO
set -u

runner=$1
emu_args=$2
want=$3
devinfo=$4
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2086 # emu_args is a list of options
IRDMA_EMU_NETLINK=1 "$runner" $emu_args -- "$devinfo" -v >"$tmp/on" 2>&1 ||
	{ cat "$tmp/on"; echo "FAIL: ibv_devinfo with netlink failed"; exit 1; }
# shellcheck disable=SC2086
IRDMA_EMU_NETLINK=0 "$runner" $emu_args -- "$devinfo" -v >"$tmp/off" 2>&1 ||
	{ cat "$tmp/off"; echo "FAIL: ibv_devinfo without netlink failed"; exit 1; }
for mode in on off; do
	n=$(grep -c '^hca_id:' "$tmp/$mode")
	if [ "$n" -ne "$want" ]; then
		cat "$tmp/$mode"
		echo "FAIL: netlink $mode: $n devices listed, want $want"
		exit 1
	fi
done
if ! diff -u "$tmp/off" "$tmp/on"; then
	echo "FAIL: ibv_devinfo -v differs with netlink (+) and without (-)"
	exit 1
fi
echo "PASS: $want devices, same with and without netlink ($emu_args)"
