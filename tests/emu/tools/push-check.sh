#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Proof that push doorbells are used exactly when the emulated driver hands
# out push pages: an ibv_rc_pingpong under the emulator's exit report.
# EXPECT=push: both processes got push pages, wrote push doorbells, and the
# device found every pushed WQE in its window. EXPECT=none: no page, no push
# doorbell, no WQE marked pushed. Everywhere: no push doorbell naming
# another QP or without its WQE, no WQE marked pushed on a QP without a page.
#
# usage: push-check.sh PINGPONG_SH RUNNER PORT "EMU ARGS" EXPECT PINGPONG_BIN
set -u

pp=$1
runner=$2
port=$3
emu_args=$4
expect=$5
prog=$6

out=$(IRDMA_EMU_REPORT=1 IRDMA_EMU_LEAK_CHECK=1 sh "$pp" "$runner" "$port" \
	"$emu_args" "$prog" -g 1 -n 200 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || exit 1

lines=$(printf '%s\n' "$out" | grep ': push pages ')
[ "$(printf '%s\n' "$lines" | grep -c .)" -eq 2 ] || {
	echo "FAIL: expected a push report line from both processes" >&2
	exit 1
}
if printf '%s\n' "$lines" |
	grep -v '(foreign 0, without their WQE 0), .*(without a page 0)$' |
	grep -q .; then
	echo "FAIL: bad push doorbells or push bits" >&2
	exit 1
fi
case $expect in
push)
	want='push pages [1-9][0-9]*, push doorbells [1-9][0-9]* .*WQEs marked pushed [1-9]' ;;
none)
	want='push pages 0, push doorbells 0 .*WQEs marked pushed 0 ' ;;
*)
	echo "push-check.sh: EXPECT must be push or none" >&2
	exit 2 ;;
esac
bad=$(printf '%s\n' "$lines" | grep -v "$want")
if [ -n "$bad" ]; then
	echo "FAIL: push use with '$emu_args' not '$expect': $bad" >&2
	exit 1
fi
echo "push use with '$emu_args': $expect, as expected"
