# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# The provider's data path: every opcode, the ibv_wr_* API, extended CQ
# polling, flush on error, CQ resize, SRQs, UD, completion events, CQE
# validation, command failures, a hostile device, and rdma-core's pingpong
# examples on our provider. providers.cmake and push.cmake (included at
# the end) add the same traffic on both providers and with push doorbells.
set(_dp "${CMAKE_CURRENT_LIST_DIR}")
set(_dp_tests opcodes wr_api cq flush srq)
foreach(_t IN LISTS _dp_tests)
	irdma_test_program(dp_${_t} "${_dp}/dp_${_t}.c" "${_dp}/dp_util.c")
	foreach(_gen 1 2 3)
		irdma_emu_test(dp_${_t}_gen${_gen}
			EMU_ARGS --gen ${_gen}
			COMMAND $<TARGET_FILE:dp_${_t}> --gen ${_gen}
			LABELS dp)
	endforeach()
	# the same on the write() ABI of a kernel before 7.2
	irdma_emu_test(dp_${_t}_kernel_old_gen3
		EMU_ARGS --gen 3 --kernel old
		COMMAND $<TARGET_FILE:dp_${_t}> --gen 3
		LABELS dp)
endforeach()

# ibv_post_recv inside an open ibv_wr_* batch, on the batch's thread and on
# another: it returns (against a deadline) and does not wait for the batch.
irdma_test_program(dp_wr_recv "${_dp}/dp_wr_recv.c" "${_dp}/dp_util.c")
foreach(_gen 1 2 3)
	irdma_emu_test(dp_wr_recv_in_batch_gen${_gen}
		EMU_ARGS --gen ${_gen}
		COMMAND $<TARGET_FILE:dp_wr_recv> --gen ${_gen}
		LABELS dp TIMEOUT 60)
endforeach()

# CQE validation against hostile device memory: poll.c (and post_send.c and
# wr_api.c, for posting while polling) linked into a test that writes the CQ ring itself
# (no emulator), under ASan and UBSan.
set(_pv "${CMAKE_SOURCE_DIR}/providers/irdma")
add_executable(dp_cqe_check "${_dp}/dp_cqe_check.c"
	"${_pv}/poll.c" "${_pv}/cq_ring.c" "${_pv}/ring.c" "${_pv}/ctx_heap.c"
	"${_pv}/pd.c" "${_pv}/mr.c"
	"${_pv}/post_send.c" "${_pv}/wr_api.c" "${_pv}/sq.c" "${_pv}/doorbell.c"
	"${_pv}/push.c" "${_pv}/debug.c")
target_include_directories(dp_cqe_check BEFORE PRIVATE ${IRDMA_INCLUDE_DIRS}
	"${CMAKE_SOURCE_DIR}/providers/irdma" "${_dp}")
target_link_libraries(dp_cqe_check PRIVATE irdma_test_common irdma_util
	rdma_core::ibverbs)
target_compile_options(dp_cqe_check PRIVATE -fsanitize=address,undefined
	-fno-omit-frame-pointer -fno-sanitize-recover=all)
target_link_options(dp_cqe_check PRIVATE -fsanitize=address,undefined)
add_test(NAME dp_cqe_check COMMAND dp_cqe_check)
set_tests_properties(dp_cqe_check PROPERTIES LABELS "dp" TIMEOUT 120)

# An SRQ slot freed by a poller while the SRQ is being posted to: poll.c
# and post_recv.c linked in, the poller held after every slot release
# (dp_srq_race_hook.h) so that the poster can refill the slot meanwhile.
add_executable(dp_srq_race "${_dp}/dp_srq_race.c"
	"${_pv}/poll.c" "${_pv}/cq_ring.c" "${_pv}/ring.c" "${_pv}/ctx_heap.c"
	"${_pv}/pd.c" "${_pv}/mr.c"
	"${_pv}/post_recv.c" "${_pv}/doorbell.c" "${_pv}/debug.c")
target_include_directories(dp_srq_race BEFORE PRIVATE ${IRDMA_INCLUDE_DIRS}
	"${CMAKE_SOURCE_DIR}/providers/irdma" "${_dp}")
target_link_libraries(dp_srq_race PRIVATE irdma_test_common irdma_util
	rdma_core::ibverbs)
target_compile_options(dp_srq_race PRIVATE
	-include "${_dp}/dp_srq_race_hook.h" -fsanitize=address,undefined
	-fno-omit-frame-pointer -fno-sanitize-recover=all)
target_link_options(dp_srq_race PRIVATE -fsanitize=address,undefined)
add_test(NAME dp_srq_race COMMAND dp_srq_race)
set_tests_properties(dp_srq_race PROPERTIES LABELS "dp" TIMEOUT 120)

# rdma-core's ibv_rc_pingpong on our provider in the modes that exercise the
# data path beyond what hw's pingpong tests do: -N posts through the
# ibv_wr_* API; -U (allow CoCo unprotected allocations) puts rings, CQ and
# buffers on a parent domain, the only way it can work under --cc.
function(dp_pingpong NAME PORT EMU)
	irdma_pingpong_test(${NAME} PORT ${PORT} EMU_ARGS "${EMU}"
		COMMAND ${ARGN} TIMEOUT 200 LABELS dp)
endfunction()
foreach(_gen 2 3)
	math(EXPR _p "28000 + ${_gen} * 100")
	dp_pingpong(dp_rc_pingpong_wr_api_gen${_gen} ${_p} "--gen ${_gen}"
		"${RDMA_CORE_BIN_DIR}/ibv_rc_pingpong" -g 1 -N -c -n 2000)
	math(EXPR _p "${_p} + 20")
	dp_pingpong(dp_rc_pingpong_wr_api_events_gen${_gen} ${_p}
		"--gen ${_gen}" "${RDMA_CORE_BIN_DIR}/ibv_rc_pingpong" -g 0 -N -e
		-c -n 2000)
	math(EXPR _p "${_p} + 20")
	dp_pingpong(dp_rc_pingpong_cc_gen${_gen} ${_p} "--gen ${_gen} --cc"
		"${RDMA_CORE_BIN_DIR}/ibv_rc_pingpong" -g 1 -U -c -n 1000)
	math(EXPR _p "${_p} + 20")
	dp_pingpong(dp_rc_pingpong_cc_wr_api_events_gen${_gen} ${_p}
		"--gen ${_gen} --cc" "${RDMA_CORE_BIN_DIR}/ibv_rc_pingpong" -g 0
		-U -N -e -c -n 1000)
endforeach()

# Every uverbs command of a create/destroy sequence failing in turn: the
# failing verb reports the injected errno and nothing leaks.
irdma_test_program(dp_faults "${_dp}/dp_faults.c")
# On the default kernel (7.2) the commands are ioctls (INVOKE_WRITE and the
# methods), on --kernel old write()s: both count for cmd:N.
foreach(_gen 2 3)
	foreach(_n RANGE 3 34)
		irdma_emu_test(dp_faults_gen${_gen}_cmd${_n}
			EMU_ARGS --gen ${_gen} --fail cmd:${_n}:ENOMEM
			COMMAND env IRDMA_EMU_LEAK_CHECK=1
				$<TARGET_FILE:dp_faults>
			LABELS dp)
	endforeach()
endforeach()
foreach(_n RANGE 3 34)
	irdma_emu_test(dp_faults_kernel_old_gen2_cmd${_n}
		EMU_ARGS --gen 2 --kernel old --fail cmd:${_n}:ENOMEM
		COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:dp_faults>
		LABELS dp)
endforeach()

# A hostile device (forged, replayed, mangled CQEs; scribbled shadow
# areas): no crash, no invented or repeated wr_id, rejects marked.
irdma_test_program(dp_hostile "${_dp}/dp_hostile.c" "${_dp}/dp_util.c")
foreach(_gen 2 3)
	foreach(_seed 1 2 3 4)
		irdma_emu_test(dp_hostile_gen${_gen}_seed${_seed}
			EMU_ARGS --gen ${_gen} --hostile=${_seed}
			COMMAND $<TARGET_FILE:dp_hostile> --gen ${_gen}
			LABELS dp cc)
	endforeach()
endforeach()

# rdma-core's examples and hw_datapath_* on both providers; push doorbells.
include("${CMAKE_CURRENT_LIST_DIR}/providers.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/push.cmake")
