# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# The provider's control path: ABI negotiation per generation, device/port
# queries, PD/MR lifecycles under the emulator's leak check, parent domain
# validation, ibv_alloc_buf & friends with and without CoCo.
set(_ctl "${CMAKE_CURRENT_LIST_DIR}")
foreach(_t abi query lifecycle parent buf coco allocators)
	irdma_test_program(ctl_${_t} "${_ctl}/ctl_${_t}.c" "${_ctl}/ctl_util.c")
	target_link_libraries(ctl_${_t} PRIVATE ${CMAKE_DL_LIBS})
endforeach()

foreach(_gen 1 2 3)
	irdma_emu_test(ctl_abi_gen${_gen}
		EMU_ARGS --gen ${_gen}
		COMMAND $<TARGET_FILE:ctl_abi> --gen ${_gen}
		LABELS ctl)
	irdma_emu_test(ctl_query_gen${_gen}
		EMU_ARGS --gen ${_gen}
		COMMAND $<TARGET_FILE:ctl_query> --gen ${_gen}
		LABELS ctl)
endforeach()
# A kernel without the extension refuses the unknown comp_mask bit (as
# current irdma kernels do): the provider must retry without it.
irdma_emu_test(ctl_abi_no_dmabuf_memreg
	EMU_ARGS --no-dmabuf-memreg
	COMMAND $<TARGET_FILE:ctl_abi> --no-dmabuf-memreg --expect-retry
	LABELS ctl)
# A future kernel that gave comp_mask bit 5 another meaning grants it
# without the extension's confirmation: the provider opens no such context.
irdma_emu_test(ctl_abi_bit5_foreign
	EMU_ARGS --uctx-bit5-foreign
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_abi> --bit5-foreign
	LABELS ctl)
# The kernel refuses the first alloc_ucontext (as one that does not know the
# DMA-buf memreg bit would): the provider must retry without the extension.
irdma_emu_test(ctl_abi_retry_without_dmabuf
	EMU_ARGS --fail cmd:1:EOPNOTSUPP
	COMMAND $<TARGET_FILE:ctl_abi> --no-dmabuf-memreg --expect-retry
	LABELS ctl)
# ABI 5 refused altogether: the provider settles on ABI 4.
irdma_emu_test(ctl_abi_fallback_v4
	EMU_ARGS --fail cmd:1:EINVAL,cmd:2:EINVAL
	COMMAND $<TARGET_FILE:ctl_abi> --abi 4 --expect-retry
	LABELS ctl)
# A real error (not a refusal) must fail the open with that errno instead
# of downgrading the ABI; the next open gets the full ABI.
irdma_emu_test(ctl_abi_error_is_not_refusal
	EMU_ARGS --fail cmd:1:EIO
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_abi>
		--expect-open-fail --open-errno 5
	LABELS ctl)
# Every ABI refused; doorbell mmap failing; internal PD failing;
# query_device_ex failing at open (the provider cannot tell whether the
# device needs DMA bounce, so it refuses to open rather than guess): the
# open fails with an errno and leaks nothing, and the next open works.
# Each entry is ctl_abi_<name>=<--fail specs>.
foreach(_case
		all_refused=cmd:1:EINVAL,cmd:2:EINVAL,cmd:3:EINVAL,cmd:4:EINVAL
		db_mmap_fails=mmap:1:ENOMEM
		internal_pd_fails=cmd:2:ENOMEM
		bounce_probe_fails=cmd:3:EIO)
	string(REPLACE "=" ";" _parts "${_case}")
	list(GET _parts 0 _name)
	list(GET _parts 1 _fail)
	irdma_emu_test(ctl_abi_${_name}
		EMU_ARGS --fail ${_fail}
		COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_abi>
			--expect-open-fail
		LABELS ctl)
endforeach()
irdma_emu_test(ctl_abi_cc
	EMU_ARGS --cc
	COMMAND $<TARGET_FILE:ctl_abi> --cc
	LABELS ctl cc)
irdma_emu_test(ctl_query_cc
	EMU_ARGS --cc
	COMMAND $<TARGET_FILE:ctl_query> --cc
	LABELS ctl cc)

irdma_emu_test(ctl_lifecycle
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_lifecycle>
	LABELS ctl)

irdma_emu_test(ctl_parent
	COMMAND $<TARGET_FILE:ctl_parent>
	LABELS ctl)
irdma_emu_test(ctl_parent_cc
	EMU_ARGS --cc
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_parent> --cc
	LABELS ctl cc)

# ctl_buf: buffers of parent domains; ctl_allocators: parent domain custom
# allocators for ring memory. Each leak-checked, on a plain device and
# with --cc.
foreach(_prog buf allocators)
	irdma_emu_test(ctl_${_prog}
		COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_${_prog}>
		LABELS ctl)
	irdma_emu_test(ctl_${_prog}_cc
		EMU_ARGS --cc
		COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_${_prog}> --cc
		LABELS ctl cc)
endforeach()
irdma_emu_test(ctl_buf_cc_no_dmabuf_memreg
	EMU_ARGS --cc --no-dmabuf-memreg
	COMMAND $<TARGET_FILE:ctl_buf> --cc --no-dmabuf-memreg
	LABELS ctl cc)

# Rings and buffers of a CoCo parent domain, end to end (SEND + RDMA WRITE).
irdma_emu_test(ctl_coco
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_coco>
	LABELS ctl)
foreach(_gen 1 2 3)
	irdma_emu_test(ctl_coco_cc_gen${_gen}
		EMU_ARGS --cc --gen ${_gen}
		COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_coco> --cc
			--gen ${_gen}
		LABELS ctl cc)
endforeach()
irdma_emu_test(ctl_coco_cc_no_dmabuf_memreg
	EMU_ARGS --cc --no-dmabuf-memreg
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_coco> --cc
		--no-dmabuf-memreg
	LABELS ctl cc)

# Linux 7.2 refuses plain memory on a bounce device (ibv_reg_mr:
# EOPNOTSUPP); a kernel before 7.2 registered it. The --cc tests above
# again on the old kernel: plain MRs register there, and the provider's
# own refusal of queues outside a CoCo parent domain must not depend on
# the kernel.
irdma_emu_test(ctl_abi_cc_kernel_old
	EMU_ARGS --cc --kernel old
	COMMAND $<TARGET_FILE:ctl_abi> --cc
	LABELS ctl cc)
irdma_emu_test(ctl_parent_cc_kernel_old
	EMU_ARGS --cc --kernel old
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_parent> --cc
	LABELS ctl cc)
foreach(_prog buf allocators)
	irdma_emu_test(ctl_${_prog}_cc_kernel_old
		EMU_ARGS --cc --kernel old
		COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_${_prog}> --cc
		LABELS ctl cc)
endforeach()
irdma_emu_test(ctl_buf_cc_no_dmabuf_memreg_kernel_old
	EMU_ARGS --cc --no-dmabuf-memreg --kernel old
	COMMAND $<TARGET_FILE:ctl_buf> --cc --no-dmabuf-memreg
	LABELS ctl cc)
irdma_emu_test(ctl_coco_cc_no_dmabuf_memreg_kernel_old
	EMU_ARGS --cc --no-dmabuf-memreg --kernel old
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:ctl_coco> --cc
		--no-dmabuf-memreg
	LABELS ctl cc)


# The control path and CoCo memory layer under valgrind memcheck: no invalid
# accesses, no definite leaks (bookkeeping, heap buffers, error paths).
find_program(VALGRIND_EXECUTABLE valgrind)
if(VALGRIND_EXECUTABLE)
	set(_vg ${VALGRIND_EXECUTABLE} -q --fair-sched=yes --error-exitcode=9 --leak-check=full
		--errors-for-leak-kinds=definite)
	irdma_emu_test(ctl_valgrind_coco EMU_ARGS --cc
		COMMAND ${_vg} $<TARGET_FILE:ctl_coco> --cc
		LABELS "ctl;cc;valgrind" TIMEOUT 300)
	irdma_emu_test(ctl_valgrind_buf EMU_ARGS --cc
		COMMAND ${_vg} $<TARGET_FILE:ctl_buf> --cc
		LABELS "ctl;cc;valgrind" TIMEOUT 300)
	# open failing after the internal PD exists (bounce probe refused)
	irdma_emu_test(ctl_valgrind_open_failure
		EMU_ARGS --fail cmd:3:EIO
		COMMAND ${_vg} $<TARGET_FILE:ctl_abi> --expect-open-fail
		LABELS "ctl;valgrind" TIMEOUT 300)
endif()
