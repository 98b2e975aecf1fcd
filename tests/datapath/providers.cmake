# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# The emulated device and fabric on both providers: rdma-core's own example
# programs, server and client as two processes on one fabric, and
# hw_datapath_* in one process. With --provider upstream they run on
# rdma-core's own irdma provider, which proves the engine speaks the real
# WQE/CQE formats.
set(_run "${CMAKE_BINARY_DIR}/bin/irdma-emu-run")
set(_bin "${RDMA_CORE_BIN_DIR}")

# hw_pingpong(NAME PORT_BASE "EMU ARGS" PROGRAM ARGS...)
# A pingpong that fails must fail fast: each process gets 60 s (the 10000
# exchange run 100 s), ctest a little more to collect the output.
function(hw_pingpong NAME PORT EMU)
	if(";${ARGN};" MATCHES ";10000;")
		set(_limit 100)
	else()
		set(_limit 60)
	endif()
	# two busy-polling processes need the machine's two cores to
	# themselves: never run next to other tests
	irdma_pingpong_test(${NAME} PORT ${PORT} EMU_ARGS "${EMU}"
		COMMAND ${ARGN} PROCESS_TIMEOUT ${_limit} RUN_SERIAL
		LABELS datapath)
endfunction()

# Ports: each test gets its own range so parallel runs do not collide.
# rdma-core 65's irdma provider does not match the gen 3 device (an IPU,
# not in its PCI table) and offers no SRQ on gen 2 (no IRDMA_FEATURE_SRQ),
# so gen 3 and SRQs run on our provider only.
foreach(_case upstream:2 ours:2 ours:3)
	string(REPLACE ":" ";" _c "${_case}")
	list(GET _c 0 _prov)
	list(GET _c 1 _gen)
	if(_prov STREQUAL "upstream")
		set(_pbase 21000)
	else()
		set(_pbase 23000)
	endif()
	math(EXPR _p "${_pbase} + ${_gen} * 100")
	set(_emu "--gen ${_gen} --provider ${_prov}")
	# the issue's proof: 10000 checked exchanges, on both providers (gen 2)
	if(_gen EQUAL 2)
		set(_n 10000)
	else()
		set(_n 2000)
	endif()
	hw_pingpong(hw_rc_pingpong_${_prov}_gen${_gen} ${_p} "${_emu}"
		"${_bin}/ibv_rc_pingpong" -g 1 -c -n ${_n})
	math(EXPR _p "${_p} + 10")
	hw_pingpong(hw_rc_pingpong_events_${_prov}_gen${_gen} ${_p} "${_emu}"
		"${_bin}/ibv_rc_pingpong" -g 0 -e -c -n 2000 -s 20000)
	math(EXPR _p "${_p} + 10")
	hw_pingpong(hw_ud_pingpong_${_prov}_gen${_gen} ${_p} "${_emu}"
		"${_bin}/ibv_ud_pingpong" -g 1 -c -n 1000)
	math(EXPR _p "${_p} + 10")
	hw_pingpong(hw_ud_pingpong_events_${_prov}_gen${_gen} ${_p} "${_emu}"
		"${_bin}/ibv_ud_pingpong" -g 0 -e -c -n 1000)
endforeach()
# gen 1 (X722, iWARP): RC only.
hw_pingpong(hw_rc_pingpong_events_upstream_gen1 21150 "--gen 1 --provider upstream"
	"${_bin}/ibv_rc_pingpong" -g 1 -e -c -n 1000)
hw_pingpong(hw_rc_pingpong_events_ours_gen1 23150 "--gen 1 --provider ours"
	"${_bin}/ibv_rc_pingpong" -g 1 -e -c -n 1000)
# Two devices: server on irdma0, client on irdma1 (each has its own GID
# and QPN space; the fabric routes by GID + QPN).
hw_pingpong(hw_rc_pingpong_two_devices_upstream_gen2 21250
	"--devices 2 --gen 2 --provider upstream"
	"${_bin}/ibv_rc_pingpong" -g 1 -e -c -n 1000)
set_property(TEST hw_rc_pingpong_two_devices_upstream_gen2 APPEND PROPERTY
	ENVIRONMENT "PINGPONG_SERVER_ARGS=-d irdma0"
	"PINGPONG_CLIENT_ARGS=-d irdma1")
hw_pingpong(hw_srq_pingpong_ours_gen3 23350 "--gen 3 --provider ours"
	"${_bin}/ibv_srq_pingpong" -g 1 -c -n 1000)
hw_pingpong(hw_srq_pingpong_events_ours_gen3 23360 "--gen 3 --provider ours"
	"${_bin}/ibv_srq_pingpong" -g 0 -e -c -n 1000 -q 4)
# Gen 2 has no SRQ: the upstream provider's srq_pingpong server must say so
# (with SRQs it would wait for a client and time out instead).
add_test(NAME hw_srq_pingpong_upstream_gen2_refused
	COMMAND "${_run}" --gen 2 --provider upstream --
		"${_bin}/ibv_srq_pingpong" -g 1 -p 21999)
set_tests_properties(hw_srq_pingpong_upstream_gen2_refused PROPERTIES
	PASS_REGULAR_EXPRESSION "Couldn't create SRQ" TIMEOUT 20
	LABELS "emu;datapath")
# CoCo: only shared-heap memory is visible to the device. -U makes the
# example use a parent domain that allows unprotected (shared) memory, from
# which our provider takes rings and buffers on the DMA-buf heap.
hw_pingpong(hw_rc_pingpong_cc_ours_gen2 23060 "--gen 2 --cc --provider ours"
	"${_bin}/ibv_rc_pingpong" -g 1 -c -U -n 1000)
hw_pingpong(hw_rc_pingpong_cc_events_ours_gen3 23070
	"--gen 3 --cc --provider ours"
	"${_bin}/ibv_rc_pingpong" -g 0 -e -c -U -n 1000 -s 10000)

# The kernel before 7.2 (--kernel old: RDMA_VERBS_IOCTL is ENOTTY, so
# libibverbs sends every command by write()): the example programs on both
# providers, as the default 7.2 kernel runs them above through ioctl.
foreach(_case upstream:1 upstream:2 ours:1 ours:2 ours:3)
	string(REPLACE ":" ";" _c "${_case}")
	list(GET _c 0 _prov)
	list(GET _c 1 _gen)
	if(_prov STREQUAL "upstream")
		set(_pbase 26000)
	else()
		set(_pbase 26500)
	endif()
	math(EXPR _p "${_pbase} + ${_gen} * 100")
	set(_emu "--gen ${_gen} --provider ${_prov} --kernel old")
	hw_pingpong(hw_rc_pingpong_kernel_old_${_prov}_gen${_gen} ${_p} "${_emu}"
		"${_bin}/ibv_rc_pingpong" -g 1 -e -c -n 1000)
	if(_gen GREATER 1)
		math(EXPR _p "${_p} + 10")
		hw_pingpong(hw_ud_pingpong_kernel_old_${_prov}_gen${_gen} ${_p}
			"${_emu}" "${_bin}/ibv_ud_pingpong" -g 1 -c -n 500)
	endif()
endforeach()
hw_pingpong(hw_srq_pingpong_kernel_old_ours_gen3 26850
	"--gen 3 --provider ours --kernel old"
	"${_bin}/ibv_srq_pingpong" -g 1 -c -n 500)
hw_pingpong(hw_rc_pingpong_cc_kernel_old_ours_gen2 26860
	"--gen 2 --cc --provider ours --kernel old"
	"${_bin}/ibv_rc_pingpong" -g 1 -c -U -n 500)

# Opcodes, error statuses, flushes, RNR, CQ overflow/resize, SRQ limit and
# UD through many AHs, two QPs in one process.
set(_dpsrc "${CMAKE_CURRENT_LIST_DIR}")
irdma_test_program(hw_datapath_ops "${_dpsrc}/datapath_ops.c")
foreach(_case upstream:1 upstream:2 ours:1 ours:2 ours:3)
	string(REPLACE ":" ";" _c "${_case}")
	list(GET _c 0 _prov)
	list(GET _c 1 _gen)
	# (hw_datapath_ops_valgrind_* below are its memcheck runs)
	irdma_emu_test(hw_datapath_ops_${_prov}_gen${_gen}
		EMU_ARGS --gen ${_gen} --provider ${_prov}
		COMMAND $<TARGET_FILE:hw_datapath_ops>
		LABELS datapath novalgrind)
	irdma_emu_test(hw_datapath_ops_kernel_old_${_prov}_gen${_gen}
		EMU_ARGS --gen ${_gen} --provider ${_prov} --kernel old
		COMMAND $<TARGET_FILE:hw_datapath_ops>
		LABELS datapath novalgrind)
endforeach()

# The engine runs inside the tested process: memcheck sees it too.
find_program(VALGRIND_EXECUTABLE valgrind)
if(VALGRIND_EXECUTABLE)
	foreach(_case upstream:2 ours:3)
		string(REPLACE ":" ";" _c "${_case}")
		list(GET _c 0 _prov)
		list(GET _c 1 _gen)
		irdma_emu_test(hw_datapath_ops_valgrind_${_prov}_gen${_gen}
			EMU_ARGS --gen ${_gen} --provider ${_prov}
			COMMAND ${VALGRIND_EXECUTABLE} -q --fair-sched=yes --error-exitcode=99
				--leak-check=full --errors-for-leak-kinds=definite
				$<TARGET_FILE:hw_datapath_ops>
			LABELS "datapath;valgrind" TIMEOUT 300)
	endforeach()
endif()

# RC between two processes of one fabric; the peer dies: retry exceeded.
irdma_test_program(hw_datapath_peer "${_dpsrc}/datapath_peer.c")
foreach(_case upstream:2 ours:2 ours:3)
	string(REPLACE ":" ";" _c "${_case}")
	list(GET _c 0 _prov)
	list(GET _c 1 _gen)
	irdma_emu_test(hw_datapath_peer_${_prov}_gen${_gen}
		EMU_ARGS --gen ${_gen} --provider ${_prov}
			--fabric hwpeer${_prov}${_gen}
		COMMAND $<TARGET_FILE:hw_datapath_peer>
		LABELS datapath)
endforeach()
