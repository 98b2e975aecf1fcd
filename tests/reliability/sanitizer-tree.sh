#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# sanitizer-tree.sh MODE SOURCE_DIR BUILD_DIR RDMA_CORE_BUILD_DIR EMU_RUN
#                   PROVIDER_TARGET
#
# Configure and build a second tree of this project with sanitizers, then
# run tests in it. It reuses the rdma-core build of the main tree, so
# nothing is fetched.
#
#   asan  -fsanitize=address,undefined for everything (provider, emulator,
#         tests); runs that tree's provider-facing C tests (see below).
#   tsan  -fsanitize=thread for the provider and rel_threads only; the
#         emulator of the main tree (EMU_RUN) runs them. The emulated device
#         touches rings like hardware does, without the C memory model, so
#         it must stay uninstrumented.
set -u

mode=$1 src=$2 bld=$3 rdma=$4 emu_run=$5 provider=$6

case $mode in
asan) san=address,undefined ;;
tsan) san=thread ;;
*) echo "sanitizer-tree.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac

# (Re)configure every time: cheap once configured, and picks up new options.
# IRDMA_TEST_TIMEOUT_CAP: no test of the tree may take more than 60 s.
cmake -S "$src" -B "$bld" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DIRDMA_SANITIZE="$san" -DRDMA_CORE_DIR="$rdma" \
	-DIRDMA_BUILD_TESTS=ON -DIRDMA_TEST_TIMEOUT_CAP=60 \
	>"$bld.configure.log" 2>&1 || {
	cat "$bld.configure.log"
	exit 1
}

# Errors are fatal and reported with a stack; no recovering.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The emulator is LD_PRELOADed ahead of the ASan runtime the program links;
# that is fine here (both are ours), so skip ASan's link-order check.
# Huge sizes are part of the bad-input tests: NULL/ENOMEM, as with glibc.
export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1:allocator_may_return_null=1
export TSAN_OPTIONS=halt_on_error=1:exitcode=66

if [ "$mode" = asan ]; then
	cmake --build "$bld" -- -j2 || exit 1
	cd "$bld" || exit 1
	# What ASan adds to the valgrind runs: the provider-facing C tests
	# (ctl, dp, coco, kernel, rel; the hostile ones with one seed per
	# generation), not the rdma-core example pingpongs (label datapath),
	# packaging, benchmarks or valgrind runs.
	ctest --output-on-failure -j2 --timeout 60 \
		-R '^(ctl_|dp_|coco_|kernel_|rel_)' \
		-E 'pingpong|_seed[2-9]' \
		-LE 'datapath|packaging|bench|valgrind|sanitizer' \
		>ctest.log 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		cat ctest.log
	fi
	echo "ASan+UBSan tree: $(grep 'tests passed' ctest.log)"
	exit "$rc"
fi

cmake --build "$bld" --target "$provider" rel_threads -- -j2 || exit 1
# threads [EMU ARGS] -- [REL_THREADS ARGS]
threads() {
	emu_args=
	while [ "$1" != -- ]; do
		emu_args="$emu_args $1"
		shift
	done
	shift
	# shellcheck disable=SC2086 # word splitting of emu_args is meant
	"$emu_run" --cc $emu_args --provider "$bld/lib/libirdma" -- \
		env IRDMA_EMU_LEAK_CHECK=1 "$bld/bin/rel_threads" "$@"
}
# Each thread with its own queues; then posters and pollers of the same
# queues on different threads (the SQ and RQ tails they share), and an SRQ
# fed by one thread and completed by the pollers of four CQs.
threads -- --workers 4 --ops 300 --churn 2 --cycles 40 || exit 1
threads -- --split --workers 3 --ops 300 --churn 1 --cycles 20 || exit 1
threads --gen 3 -- --srq --workers 4 --ops 300 --churn 1 --cycles 20
