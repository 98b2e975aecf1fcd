# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Data path tests of the provider (engineer "dp"): every opcode, the
# ibv_wr_* API, extended CQ polling, flush on error, CQ resize, SRQs, UD,
# completion events, and rdma-core's pingpong examples on our provider.
# Included from tests/CMakeLists.txt.
set(_dp "${CMAKE_CURRENT_SOURCE_DIR}/integration")
set(_dp_tests opcodes wr_api cq flush srq)
foreach(_t IN LISTS _dp_tests)
	irdma_test_program(dp_${_t} "${_dp}/dp_${_t}.c" "${_dp}/dp_util.c")
	foreach(_gen 1 2 3)
		irdma_emu_test(dp_${_t}_gen${_gen}
			EMU_ARGS --gen ${_gen}
			COMMAND $<TARGET_FILE:dp_${_t}> --gen ${_gen}
			LABELS dp)
	endforeach()
endforeach()

# CQE validation against hostile device memory: poll.c linked into a test
# that writes the CQ ring itself (no emulator), under ASan and UBSan.
add_executable(dp_cqe_check "${_dp}/dp_cqe_check.c"
	"${CMAKE_SOURCE_DIR}/providers/irdma/poll.c"
	"${CMAKE_SOURCE_DIR}/providers/irdma/debug.c")
target_include_directories(dp_cqe_check BEFORE PRIVATE ${IRDMA_INCLUDE_DIRS}
	"${CMAKE_SOURCE_DIR}/providers/irdma" "${_dp}")
target_link_libraries(dp_cqe_check PRIVATE rdma_core::ibverbs)
target_compile_options(dp_cqe_check PRIVATE -fsanitize=address,undefined
	-fno-omit-frame-pointer -fno-sanitize-recover=all)
target_link_options(dp_cqe_check PRIVATE -fsanitize=address,undefined)
add_test(NAME dp_cqe_check COMMAND dp_cqe_check)
set_tests_properties(dp_cqe_check PROPERTIES LABELS "dp" TIMEOUT 120)
