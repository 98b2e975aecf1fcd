#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Proof that push doorbells are used exactly where the generation has them:
# an ibv_rc_pingpong under the emulator's exit report, then on gen 2 both
# processes must have got a push page and had WQEs the device matched
# against the push window; on other generations no push page at all. A
# WQE marked pushed on a QP without a page, or a push doorbell naming
# another QP, fails everywhere.
#
# usage: push-check.sh PINGPONG_SH RUNNER PORT GEN PROVIDER PINGPONG_BIN
set -u

pp=$1
runner=$2
port=$3
gen=$4
prov=$5
prog=$6

out=$(IRDMA_EMU_REPORT=1 IRDMA_EMU_LEAK_CHECK=1 sh "$pp" "$runner" "$port" \
	"--gen $gen --provider $prov" "$prog" -g 1 -n 200 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || exit 1

lines=$(printf '%s\n' "$out" | grep ': push pages ')
[ "$(printf '%s\n' "$lines" | grep -c .)" -eq 2 ] || {
	echo "FAIL: expected a push report line from both processes" >&2
	exit 1
}
if printf '%s\n' "$lines" |
	grep -v 'foreign 0),.*marked without a page 0$' | grep -q .; then
	echo "FAIL: bad push bits or doorbells" >&2
	exit 1
fi
if [ "$gen" = 2 ]; then
	bad=$(printf '%s\n' "$lines" |
		grep -v 'push pages [1-9][0-9]*, push doorbells [1-9][0-9]* .*WQEs pushed [1-9]')
else
	bad=$(printf '%s\n' "$lines" |
		grep -v 'push pages 0, push doorbells 0 .*WQEs pushed 0,')
fi
if [ -n "$bad" ]; then
	echo "FAIL: push use on gen $gen not as expected: $bad" >&2
	exit 1
fi
echo "push use on gen $gen ($prov) as expected"
