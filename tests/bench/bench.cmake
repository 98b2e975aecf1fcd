# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# irdma-bench: fast path, control path and scale figures of our provider
# and rdma-core's irdma provider on the emulator, built as
# build/bin/irdma-bench. The smoke tests only check that every figure is
# produced in the documented format; they never look at values.
set(_bench "${CMAKE_CURRENT_LIST_DIR}")
add_executable(irdma-bench
	"${_bench}/main.c" "${_bench}/runner.c" "${_bench}/report.c"
	"${_bench}/verbs_env.c" "${_bench}/fastpath.c"
	"${_bench}/ctlpath.c" "${_bench}/scale.c" "${_bench}/syscount.c")
target_include_directories(irdma-bench BEFORE PRIVATE ${IRDMA_INCLUDE_DIRS}
	"${_bench}")
target_link_libraries(irdma-bench PRIVATE irdma_test_common
	rdma_core::ibverbs ${CMAKE_DL_LIBS})
# syscount.c defines libc entry points the libraries must reach.
set_target_properties(irdma-bench PROPERTIES ENABLE_EXPORTS ON)
target_compile_definitions(irdma-bench PRIVATE
	IRDMA_BENCH_OURS="${CMAKE_BINARY_DIR}/lib/libirdma"
	IRDMA_BENCH_UPSTREAM="${RDMA_CORE_LIB_DIR}/libirdma")

set(_bench_check "${_bench}/check-output.sh")
# Every figure of both providers, ratios included, in a tiny configuration.
add_test(NAME bench_smoke_compare
	COMMAND sh "${_bench_check}" compare
		$<TARGET_FILE:irdma-bench> --compare --quick --rounds 1)
# Run the other way: under irdma-emu-run, for the provider it loaded (with
# push pages, so the fast path also runs with push doorbells). The plain-PD
# baseline on a CoCo device needs a kernel before 7.2 (see runner.c).
add_test(NAME bench_smoke_in_emu
	COMMAND sh "${_bench_check}" single
		"${CMAKE_BINARY_DIR}/bin/irdma-emu-run" --cc --kernel old --push
		--provider ours --
		$<TARGET_FILE:irdma-bench> --quick)
set_tests_properties(bench_smoke_compare bench_smoke_in_emu PROPERTIES
	LABELS "bench;emu" TIMEOUT 600)
