#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Smoke test of irdma-bench: run it (the rest of the command line) and
# check that every line has the documented form and that every figure the
# benchmark promises is there. Values are never judged, only their
# presence: timing has no place in a pass/fail test.
#
#   check-output.sh compare|single COMMAND [ARGS...]
#
# compare: both providers and the ours/upstream ratio lines;
# single:  our provider only (run under irdma-emu-run --cc).
mode=$1
shift
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

"$@" >"$out" || { echo "benchmark exited with $?"; exit 1; }
cat "$out"

fail=0
num='[0-9][0-9.e+-]*'
line_re="^bench=[a-z0-9_]+ provider=[A-Za-z0-9_./-]+ metric=[a-z0-9_]+ value=($num|na)( (reason|stop|source)=[A-Za-z0-9_]+)?\$"
if grep -Evq "$line_re" "$out"; then
	echo "FAIL: lines not in the documented form:"
	grep -Ev "$line_re" "$out"
	fail=1
fi

# need BENCH PROVIDER METRIC num|any
need() {
	case $4 in
	num) want=$num ;;
	*) want="($num|na)" ;;
	esac
	if ! grep -Eq "^bench=$1 provider=$2 metric=$3 value=$want( |\$)" "$out"; then
		echo "FAIL: missing bench=$1 provider=$2 metric=$3 ($4)"
		fail=1
	fi
}

fast="post_send_rc_sge post_send_rc_inline64 post_send_rc_write post_recv_rc
poll_cq_rc_b1 poll_cq_rc_b16 post_send_ud_sge post_send_ud_inline64
post_recv_ud poll_cq_ud_b1 poll_cq_ud_b16"

# Our provider: every figure has a number. Run in one emulator (single,
# --cc) there are no plain queues: a bounce device refuses them, so the
# plain figures and their ratio to CoCo ones may say na there.
check_ours() {
	plain=num
	[ "$mode" = single ] && plain=any
	for f in $fast; do
		need "$f" ours instr_per_op num
		need "$f" ours ns_per_op num
	done
	for o in cq qp mr; do
		need "ctl_${o}_cc" ours ops_per_s num
		need "ctl_${o}_cc" ours syscalls_per_create num
		need "ctl_${o}_cc" ours syscalls_per_destroy num
		need "ctl_${o}_plain" ours ops_per_s $plain
		if [ "$plain" = num ]; then
			need "ctl_${o}_plain" ours syscalls_per_create num
			need "ctl_${o}_plain" ours syscalls_per_destroy num
		fi
		need "ctl_$o" ours syscalls_cc_over_plain $plain
	done
	for m in qps fds_open shared_bytes_per_qp ring_bytes_per_qp \
		shared_over_ring shared_over_ring_pages; do
		need scale_rc_qp_cc ours "$m" num
	done
}

# rdma-core's provider: the fast path and the plain control path have
# numbers; it has no CoCo parent domains, so those lines may say na.
check_upstream() {
	for f in $fast; do
		need "$f" upstream instr_per_op num
		need "$f" upstream ns_per_op num
		need "$f" ours/upstream instr_per_op num
		need "$f" ours/upstream ns_per_op num
	done
	for o in cq qp mr; do
		need "ctl_${o}_plain" upstream ops_per_s num
		need "ctl_${o}_cc" upstream ops_per_s any
		need "ctl_${o}_plain" ours/upstream ops_per_s num
	done
	need scale_rc_qp_cc upstream qps any
}

case $mode in
compare) check_ours; check_upstream ;;
single) check_ours ;;
*) echo "usage: $0 compare|single COMMAND..."; exit 2 ;;
esac
[ "$fail" -eq 0 ] && echo "PASS: every figure present"
exit "$fail"
