# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# The emulator's platform half: irdma-emu-run's command line, the generated
# sysfs tree as libibverbs and its examples see it, the emulated device
# nodes, the DMA-buf heap and the CoCo memory model; the RDMA netlink
# (netlink.cmake, included at the end).
set(_plat "${CMAKE_CURRENT_LIST_DIR}")
set(_emu_run "${CMAKE_BINARY_DIR}/bin/irdma-emu-run")
foreach(_t dev heap dma fault)
	irdma_test_program(platform_${_t} "${_plat}/platform_${_t}.c")
	target_link_libraries(platform_${_t} PRIVATE ${CMAKE_DL_LIBS})
endforeach()

# --- the wrapper's command line -------------------------------------------
# Bad usage exits 2 (not 1, not a crash), before running anything.
set(_bad_usage
	"unknown_option|--bogus -- true"
	"no_command|--gen 2 --"
	"bad_gen|--gen 4 -- true"
	"bad_devices|--devices 0 -- true"
	"bad_devices_text|--devices two -- true"
	"missing_arg|--fabric"
	"bad_fabric|--fabric a/b -- true"
	"bad_provider|--provider nowhere -- true"
	"missing_provider|--provider /nonexistent/libirdma -- true"
	"bad_fail_kind|--fail disk:1:EIO -- true"
	"bad_fail_count|--fail cmd:0:EIO -- true"
	"bad_hostile_seed|--hostile=x -- true"
	"bad_kernel|--kernel 7.1 -- true"
	"bad_ring_abi|--ring-abi dmabuf -- true"
	"ring_abi_trailing_comma|--ring-abi umem, -- true"
	"old_kernel_ioctl_abi|--kernel old --ring-abi write-ext,umem -- true")
foreach(_case IN LISTS _bad_usage)
	string(REPLACE "|" ";" _parts "${_case}")
	list(GET _parts 0 _name)
	list(GET _parts 1 _args)
	add_test(NAME plat_usage_${_name}
		COMMAND sh -c "\"$0\" ${_args} >/dev/null 2>&1; test $? -eq 2"
			"${_emu_run}")
endforeach()
# The command's exit status and signals come back through the wrapper.
add_test(NAME plat_exit_status
	COMMAND sh -c "\"$0\" -- sh -c 'exit 7'; test $? -eq 7" "${_emu_run}")
add_test(NAME plat_exit_signal
	COMMAND sh -c "\"$0\" -- sh -c 'kill -TERM $$'; test $? -eq 143"
		"${_emu_run}")
# SIGTERM to the wrapper reaches the command; the tree is still removed.
add_test(NAME plat_signal_forward
	COMMAND sh -c "t=$(mktemp -d) || exit 1; TMPDIR=$t \"$0\" -- sleep 30 & w=$!; sleep 1; kill -TERM $w; wait $w; rc=$?; left=$(ls $t); rmdir $t; test $rc -eq 143 && test -z \"$left\""
		"${_emu_run}")
set_tests_properties(plat_signal_forward PROPERTIES LABELS "emu;plat"
	TIMEOUT 20)
# The private sysfs tree exists while the command runs and not after.
add_test(NAME plat_sysfs_cleanup
	COMMAND sh -c "d=$(\"$0\" -- sh -c 'test -f \"$SYSFS_PATH/class/infiniband_verbs/abi_version\" && echo \"$SYSFS_PATH\"') && test -n \"$d\" && test ! -e \"$d\""
		"${_emu_run}")
set_tests_properties(plat_exit_status plat_exit_signal plat_sysfs_cleanup
	PROPERTIES LABELS "emu;plat")

# --- devices as rdma-core's examples see them ------------------------------
irdma_emu_test(plat_ibv_devices_1 COMMAND ibv_devices LABELS plat)
set_tests_properties(plat_ibv_devices_1 PROPERTIES
	PASS_REGULAR_EXPRESSION "irdma0[ \t]+004952fffe444d00"
	FAIL_REGULAR_EXPRESSION "irdma1")
irdma_emu_test(plat_ibv_devices_3 EMU_ARGS --devices 3
	COMMAND ibv_devices LABELS plat)
set_tests_properties(plat_ibv_devices_3 PROPERTIES
	PASS_REGULAR_EXPRESSION "irdma0[^\n]*\n[^\n]*irdma1[^\n]*\n[^\n]*irdma2"
	FAIL_REGULAR_EXPRESSION "irdma3")
# rdma-core's own provider binds gen 1 and 2 through the same sysfs.
# (Gen 3 is an IPU, PCI 8086:1452, which rdma-core 65's table lacks: there it
# binds only by netlink driver id, and this libibverbs has no netlink.)
foreach(_gen 1 2)
	irdma_emu_test(plat_ibv_devinfo_upstream_gen${_gen}
		EMU_ARGS --gen ${_gen} --provider upstream
		COMMAND ibv_devinfo LABELS plat)
endforeach()
set_tests_properties(plat_ibv_devinfo_upstream_gen1 PROPERTIES
	PASS_REGULAR_EXPRESSION "hca_id:[ \t]+irdma0.*vendor_part_id:[ \t]+14290\n")
set_tests_properties(plat_ibv_devinfo_upstream_gen2 PROPERTIES
	PASS_REGULAR_EXPRESSION "hca_id:[ \t]+irdma0.*vendor_part_id:[ \t]+5523\n")
# An installed provider by path, with or without the -rdmav<PABI>.so suffix.
irdma_emu_test(plat_provider_path
	EMU_ARGS --provider "${RDMA_CORE_UPSTREAM_IRDMA}"
	COMMAND ibv_devices LABELS plat)
irdma_emu_test(plat_provider_path_stem
	EMU_ARGS --provider "${RDMA_CORE_LIB_DIR}/libirdma"
	COMMAND ibv_devices LABELS plat)
set_tests_properties(plat_provider_path plat_provider_path_stem PROPERTIES
	PASS_REGULAR_EXPRESSION "irdma0")
# vendor_part_id per generation (decimal: 0x37d2, 0x1593, 0x1452).
foreach(_g "1;14290" "2;5523" "3;5202")
	list(GET _g 0 _gen)
	list(GET _g 1 _part)
	irdma_emu_test(plat_ibv_devinfo_gen${_gen} EMU_ARGS --gen ${_gen}
		COMMAND ibv_devinfo LABELS plat)
	set_tests_properties(plat_ibv_devinfo_gen${_gen} PROPERTIES
		PASS_REGULAR_EXPRESSION "vendor_part_id:[ \t]+${_part}\n")
endforeach()

# The GID table reaches libibverbs through sysfs (its ioctl path is
# refused): per-device, deterministic RoCE v2 GIDs.
irdma_emu_test(plat_gid_table EMU_ARGS --devices 2
	COMMAND ibv_devinfo -v -d irdma1 LABELS plat)
set_tests_properties(plat_gid_table PROPERTIES PASS_REGULAR_EXPRESSION
	"GID\\[  0\\]:[ \t]+fe80::49:52ff:fe44:4d01, RoCE v2\n[ \t]+GID\\[  1\\]:[ \t]+::ffff:10\\.73\\.0\\.2, RoCE v2")

# --- device nodes, fds, faults ---------------------------------------------
irdma_emu_test(plat_nodes EMU_ARGS --devices 2
	COMMAND $<TARGET_FILE:platform_dev> nodes 2 LABELS plat)
# ... and on a kernel without the ioctl uAPI
irdma_emu_test(plat_nodes_kernel_old EMU_ARGS --kernel old
	COMMAND $<TARGET_FILE:platform_dev> nodes 1 LABELS plat)
irdma_emu_test(plat_fd_leak COMMAND $<TARGET_FILE:platform_dev> leak
	LABELS plat)
irdma_emu_test(plat_fault_api COMMAND $<TARGET_FILE:platform_fault> api
	LABELS plat)
irdma_emu_test(plat_fault_env EMU_ARGS --fail heap:2:ENOSPC,heap:3:5
	COMMAND $<TARGET_FILE:platform_fault> env LABELS plat)
irdma_emu_test(plat_fork COMMAND $<TARGET_FILE:platform_dev> fork
	LABELS novalgrind plat)
irdma_emu_test(plat_mmap_fault EMU_ARGS --fail mmap:1:EAGAIN
	COMMAND $<TARGET_FILE:platform_dev> mmapfail LABELS plat)

# --- DMA-buf heap and the CoCo memory model --------------------------------
irdma_emu_test(plat_heap_absent COMMAND $<TARGET_FILE:platform_heap> absent
	LABELS plat)
irdma_emu_test(plat_heap_present EMU_ARGS --cc
	COMMAND $<TARGET_FILE:platform_heap> present LABELS plat)
irdma_emu_test(plat_heap_fault EMU_ARGS --cc --fail heap:2:ENOMEM
	COMMAND $<TARGET_FILE:platform_heap> fail LABELS plat)
irdma_emu_test(plat_dma_plain COMMAND $<TARGET_FILE:platform_dma> plain
	LABELS plat)
irdma_emu_test(plat_dma_cc EMU_ARGS --cc
	COMMAND $<TARGET_FILE:platform_dma> cc LABELS plat)

# --- under valgrind: the interposer survives it and is clean ---------------
find_program(VALGRIND_EXECUTABLE valgrind)
if(VALGRIND_EXECUTABLE)
	irdma_emu_test(plat_valgrind_nodes
		COMMAND ${VALGRIND_EXECUTABLE} -q --fair-sched=yes --error-exitcode=99
			--leak-check=full --errors-for-leak-kinds=definite
			$<TARGET_FILE:platform_dev> nodes 1
		LABELS "plat;valgrind" TIMEOUT 300)
	irdma_emu_test(plat_valgrind_devinfo
		COMMAND ${VALGRIND_EXECUTABLE} -q --fair-sched=yes --error-exitcode=99
			--leak-check=full --errors-for-leak-kinds=definite
			ibv_devinfo -v
		LABELS "plat;valgrind" TIMEOUT 300)
	irdma_emu_test(plat_valgrind_heap EMU_ARGS --cc
		COMMAND ${VALGRIND_EXECUTABLE} -q --fair-sched=yes --error-exitcode=99
			--leak-check=full --errors-for-leak-kinds=definite
			$<TARGET_FILE:platform_heap> present
		LABELS "plat;valgrind" TIMEOUT 300)
endif()

# The emulated RDMA netlink.
include("${CMAKE_CURRENT_LIST_DIR}/netlink.cmake")
