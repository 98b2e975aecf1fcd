# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# CoCo: rings and buffers from the shared DMA-buf heap on a parent domain
# that allows unprotected allocation. The matrix
#   {gen 2, gen 3} x {--cc, no cc} x {extended reg_mr ABI, old kernel}
# with RC, UD (and on gen 3 SRQ) traffic, plus a plain PD on a CoCo device,
# whose queues must be refused.
set(_cs "${CMAKE_CURRENT_LIST_DIR}")
irdma_test_program(coco_traffic "${_cs}/coco_traffic.c")
irdma_test_program(coco_scale "${_cs}/coco_scale.c")

foreach(_gen 2 3)
	set(_srq "")
	if(_gen EQUAL 3)
		set(_srq --srq)
	endif()
	foreach(_cc cc nocc)
		foreach(_abi ext old)
			set(_emu --gen ${_gen})
			if(_cc STREQUAL "cc")
				list(APPEND _emu --cc)
			endif()
			if(_abi STREQUAL "old")
				list(APPEND _emu --no-dmabuf-memreg)
			endif()
			# Only a device that needs bounce and a kernel that
			# cannot register DMA-bufs refuse the queues; the opt-in
			# changes nothing on a device without bounce.
			if(_cc STREQUAL "cc" AND _abi STREQUAL "old")
				set(_expect eopnotsupp)
			else()
				set(_expect ok)
			endif()
			irdma_emu_test(coco_gen${_gen}_${_cc}_${_abi}
				EMU_ARGS ${_emu}
				COMMAND $<TARGET_FILE:coco_traffic> --pd coco
					--expect ${_expect} ${_srq}
				LABELS cc coco TIMEOUT 60)
			set_tests_properties(coco_gen${_gen}_${_cc}_${_abi}
				PROPERTIES ENVIRONMENT IRDMA_EMU_LEAK_CHECK=1)
		endforeach()
	endforeach()
	# Memory windows of both types on the CoCo buffer's DMA-buf MR
	# (ibv_bind_mw for type 1, ibv_post_send for type 2).
	irdma_emu_test(coco_mw_dmabuf_mr_gen${_gen}_cc
		EMU_ARGS --gen ${_gen} --cc
		COMMAND $<TARGET_FILE:coco_traffic> --pd coco --expect ok --mw
		LABELS cc coco TIMEOUT 60)
	# Without the opt-in, rings would be private memory, which a CoCo
	# device cannot reach: every such queue is refused (EOPNOTSUPP).
	irdma_emu_test(coco_gen${_gen}_cc_plain_pd
		EMU_ARGS --gen ${_gen} --cc
		COMMAND $<TARGET_FILE:coco_traffic> --pd plain --expect eopnotsupp
			${_srq}
		LABELS cc coco TIMEOUT 60)
	set_tests_properties(coco_gen${_gen}_cc_plain_pd
		PROPERTIES ENVIRONMENT IRDMA_EMU_LEAK_CHECK=1)
	# The same on the old kernel's write ABI: the provider refuses plain
	# PDs itself; the CoCo parent domain works with the DMA-buf memreg
	# extension and is refused without it.
	irdma_emu_test(coco_gen${_gen}_cc_plain_pd_kernel_old
		EMU_ARGS --gen ${_gen} --cc --kernel old
		COMMAND $<TARGET_FILE:coco_traffic> --pd plain --expect eopnotsupp
			${_srq}
		LABELS cc coco TIMEOUT 60)
	irdma_emu_test(coco_gen${_gen}_cc_old_kernel_old
		EMU_ARGS --gen ${_gen} --cc --no-dmabuf-memreg --kernel old
		COMMAND $<TARGET_FILE:coco_traffic> --pd coco
			--expect eopnotsupp ${_srq}
		LABELS cc coco TIMEOUT 60)
	irdma_emu_test(coco_gen${_gen}_cc_ext_kernel_old
		EMU_ARGS --gen ${_gen} --cc --kernel old
		COMMAND $<TARGET_FILE:coco_traffic> --pd coco --expect ok ${_srq}
		LABELS cc coco TIMEOUT 60)
endforeach()

# 10,000 RC QPs, each with its CQ, on one CoCo parent domain under a
# 1024-fd limit.
irdma_emu_test(coco_scale_10k_qps
	EMU_ARGS --gen 2 --cc
	COMMAND $<TARGET_FILE:coco_scale> 10000
	LABELS cc coco TIMEOUT 300)
set_tests_properties(coco_scale_10k_qps PROPERTIES
	ENVIRONMENT IRDMA_EMU_LEAK_CHECK=1)

# Guest virtual addresses in what the host can read: with iova = VA (what
# ibv_reg_buf_mr registers), the buffer's address is in every WQE.
irdma_test_program(coco_iova "${_cs}/coco_iova.c")
foreach(_gen 2 3)
	irdma_emu_test(coco_iova_gen${_gen}
		EMU_ARGS --gen ${_gen} --cc
		COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:coco_iova>
		LABELS cc coco TIMEOUT 60)
endforeach()
