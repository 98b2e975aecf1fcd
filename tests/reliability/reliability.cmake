# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Reliability: every failure path, bad input, a hostile device,
# concurrency (also with push doorbells), compatibility, and the
# integration suite again under valgrind memcheck and in sanitizer build
# trees. See README.md here.
set(_rel "${CMAKE_CURRENT_LIST_DIR}")
set(_rel_run "${CMAKE_BINARY_DIR}/bin/irdma-emu-run")

foreach(_t faults hostile badinput threads compat)
	irdma_test_program(rel_${_t} "${_rel}/rel_${_t}.c" "${_rel}/rel_util.c")
	target_link_libraries(rel_${_t} PRIVATE ${CMAKE_DL_LIBS})
endforeach()

# --- 2. every failure path -------------------------------------------------
# On the default kernel (7.2) the commands are ioctls, so --fail cmd:N hits
# the ioctl methods; kernel_old runs the same on the write() ABI, where
# plain memory on a bounce device still registers.
foreach(_case "gen1;--gen 1;--plain-cq" "gen2;--gen 2" "gen2_cc;--gen 2 --cc"
		"gen3_cc;--gen 3 --cc;--srq"
		"gen2_cc_kernel_old;--gen 2 --cc --kernel old")
	list(GET _case 0 _name)
	list(GET _case 1 _emu)
	list(LENGTH _case _len)
	set(_args "")
	if(_len GREATER 2)
		list(GET _case 2 _args)
	endif()
	separate_arguments(_emu)
	irdma_emu_test(rel_faults_${_name} EMU_ARGS ${_emu}
		COMMAND env IRDMA_EMU_LEAK_CHECK=1 MALLOC_ARENA_MAX=1
			$<TARGET_FILE:rel_faults>
			${_args}
		LABELS rel TIMEOUT 300)
endforeach()

# --- 3. a hostile device ---------------------------------------------------
# --clean first: without --hostile the same traffic must complete, all OK
# (proves the checks of the hostile runs can fail).
irdma_emu_test(rel_hostile_clean_gen2_cc EMU_ARGS --gen 2 --cc
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:rel_hostile> --cc
		--clean --seconds 1
	LABELS rel)
foreach(_case "gen1;1;--gen 1;" "gen2_cc;2;--gen 2 --cc;--cc"
		"gen3_cc_srq;3;--gen 3 --cc;--cc --srq" "gen3_srq;4;--gen 3;--srq")
	list(GET _case 0 _name)
	list(GET _case 1 _seed)
	list(GET _case 2 _emu)
	list(GET _case 3 _args)
	separate_arguments(_emu)
	separate_arguments(_args)
	irdma_emu_test(rel_hostile_${_name}
		EMU_ARGS --hostile=${_seed} ${_emu}
		COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:rel_hostile>
			${_args} --seconds 3
		LABELS rel TIMEOUT 120)
endforeach()

# --- 4. bad input from applications ----------------------------------------
# One malloc arena: a new per-thread arena would count as a new mapping.
foreach(_case "gen1;--gen 1" "gen2;--gen 2" "gen2_cc;--gen 2 --cc"
		"gen3_cc;--gen 3 --cc" "gen2_push;--gen 2 --push"
		"gen3_cc_push;--gen 3 --cc --push"
		"gen2_cc_kernel_old;--gen 2 --cc --kernel old")
	list(GET _case 0 _name)
	list(GET _case 1 _emu)
	separate_arguments(_emu)
	irdma_emu_test(rel_badinput_${_name} EMU_ARGS ${_emu}
		COMMAND env IRDMA_EMU_LEAK_CHECK=1 MALLOC_ARENA_MAX=1
			$<TARGET_FILE:rel_badinput>
		LABELS rel)
endforeach()

# --- 5. concurrency --------------------------------------------------------
irdma_emu_test(rel_threads_cc EMU_ARGS --cc
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:rel_threads>
		--workers 8 --ops 1000 --churn 3 --cycles 100
	LABELS rel)
irdma_emu_test(rel_threads_gen3_cc EMU_ARGS --gen 3 --cc
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:rel_threads>
	LABELS rel)
# posters and pollers of the same queues on different threads; an SRQ fed
# by one thread and completed, out of order, by the pollers of four CQs
irdma_emu_test(rel_threads_split_cc EMU_ARGS --cc
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:rel_threads>
		--split --workers 4 --ops 2000 --churn 1 --cycles 20
	LABELS rel)
irdma_emu_test(rel_threads_srq_gen3_cc EMU_ARGS --gen 3 --cc
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:rel_threads>
		--srq --workers 4 --ops 2000 --churn 1 --cycles 20
	LABELS rel)

# --- 1. and 5. under the sanitizers, in trees of their own ------------------
# In those trees every test gets at most IRDMA_TEST_TIMEOUT_CAP seconds
# (set by sanitizer-tree.sh), applied once all tests of tests/ exist.
set(IRDMA_TEST_TIMEOUT_CAP "" CACHE STRING
	"If set, cap every test's TIMEOUT at this many seconds")
function(rel_cap_test_timeouts)
	get_property(_tests DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
		PROPERTY TESTS)
	foreach(_t IN LISTS _tests)
		get_test_property(${_t} TIMEOUT _old)
		if(NOT _old OR _old GREATER IRDMA_TEST_TIMEOUT_CAP)
			set_tests_properties(${_t} PROPERTIES
				TIMEOUT ${IRDMA_TEST_TIMEOUT_CAP})
		endif()
	endforeach()
endfunction()
if(IRDMA_TEST_TIMEOUT_CAP)
	cmake_language(DEFER CALL rel_cap_test_timeouts)
endif()
# Not inside a sanitizer tree itself (IRDMA_SANITIZE set): no recursion.
if(NOT IRDMA_SANITIZE)
	foreach(_mode asan tsan)
		add_test(NAME rel_${_mode}_tree
			COMMAND sh "${_rel}/sanitizer-tree.sh" ${_mode}
				"${CMAKE_SOURCE_DIR}" "${CMAKE_BINARY_DIR}/${_mode}"
				"${RDMA_CORE_BUILD_DIR}" "${_rel_run}"
				irdma-rdmav${IBVERBS_PABI_VERSION})
		set_tests_properties(rel_${_mode}_tree PROPERTIES
			LABELS "rel;sanitizer" TIMEOUT 900)
	endforeach()
	# both build trees at once would only fight over the 2 cores
	set_tests_properties(rel_tsan_tree PROPERTIES
		DEPENDS rel_asan_tree RUN_SERIAL TRUE)
	set_tests_properties(rel_asan_tree PROPERTIES RUN_SERIAL TRUE)
endif()

# --- 1. memory safety: the integration suite again under valgrind memcheck --
# valgrind runs as the command under irdma-emu-run (the emulator is in its
# LD_PRELOAD, so valgrind instruments it too). Definite and indirect leaks
# and every memcheck error fail the test (exit 99). The selection covers the
# control path, every opcode of the data path, CoCo, and the reliability
# tests; the two-process pingpongs are left to the plain runs.
find_program(VALGRIND_EXECUTABLE valgrind)
if(VALGRIND_EXECUTABLE AND NOT IRDMA_SANITIZE)
	set(_vg ${VALGRIND_EXECUTABLE} -q --fair-sched=yes --error-exitcode=99
		--leak-check=full --errors-for-leak-kinds=definite,indirect
		--show-leak-kinds=definite,indirect)
	# NAME|EMU ARGS|PROGRAM|PROGRAM ARGS
	set(_vg_cases
		"ctl_lifecycle|--gen 2|ctl_lifecycle|"
		"ctl_parent_cc|--cc|ctl_parent|--cc"
		"ctl_buf_cc|--cc|ctl_buf|--cc"
		"ctl_coco_cc_gen2|--cc --gen 2|ctl_coco|--cc"
		"ctl_coco_cc_gen3|--cc --gen 3|ctl_coco|--cc"
		"dp_opcodes_gen2|--gen 2|dp_opcodes|--gen 2"
		"hw_datapath_ops_gen2|--gen 2|hw_datapath_ops|"
		"rel_faults_gen3_cc|--gen 3 --cc|rel_faults|--srq"
		"rel_badinput_gen2|--gen 2|rel_badinput|"
		"rel_hostile_clean_cc|--cc|rel_hostile|--cc --clean --seconds 1"
		"rel_hostile_gen2_cc|--hostile=5 --cc|rel_hostile|--cc --seconds 2"
		"rel_threads_cc|--cc|rel_threads|--workers 3 --ops 100 --churn 2 --cycles 20")
	foreach(_case IN LISTS _vg_cases)
		string(REPLACE "|" ";" _f "${_case}")
		list(GET _f 0 _name)
		list(GET _f 1 _emu)
		list(GET _f 2 _prog)
		list(GET _f 3 _args)
		separate_arguments(_emu)
		separate_arguments(_args)
		irdma_emu_test(rel_vg_${_name} EMU_ARGS ${_emu}
			COMMAND env IRDMA_EMU_LEAK_CHECK=1 MALLOC_ARENA_MAX=1
				${_vg} $<TARGET_FILE:${_prog}> ${_args}
			LABELS "rel;valgrind" TIMEOUT 300)
	endforeach()
endif()

# --- push doorbells (irdma-emu-run --push) ---------------------------------
# The hostile device and concurrency again with push pages;
# IRDMA_EMU_LEAK_CHECK=1 also fails a test on any push protocol error the
# device sees.
irdma_emu_test(rel_hostile_gen2_push EMU_ARGS --hostile=6 --gen 2 --push
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:rel_hostile>
		--seconds 3
	LABELS "rel;push" TIMEOUT 120)
irdma_emu_test(rel_threads_gen2_push EMU_ARGS --gen 2 --push
	COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:rel_threads>
		--workers 8 --ops 1000 --churn 3 --cycles 100
	LABELS "rel;push")

# The provider's push page mmap() failing, window or doorbell: plain
# doorbells, nothing left behind (tests/reliability/rel_push.c).
irdma_test_program(rel_push "${_rel}/rel_push.c" "${_rel}/rel_util.c")
target_link_libraries(rel_push PRIVATE ${CMAKE_DL_LIBS})
target_include_directories(rel_push PRIVATE "${CMAKE_SOURCE_DIR}/tests/emu")
foreach(_gen 2 3)
	irdma_emu_test(rel_push_gen${_gen} EMU_ARGS --gen ${_gen} --push
		COMMAND $<TARGET_FILE:rel_push>
		LABELS "rel;push")
	set_property(TEST rel_push_gen${_gen} APPEND PROPERTY
		ENVIRONMENT "IRDMA_EMU_LEAK_CHECK=1;MALLOC_ARENA_MAX=1")
endforeach()

# --- 6. compatibility: docs/compatibility.md's table is the expectation ----
add_test(NAME rel_compat_table
	COMMAND sh "${_rel}/compat-check.sh" "${_rel_run}"
		$<TARGET_FILE:rel_compat> "${CMAKE_SOURCE_DIR}/docs/compatibility.md")
set_tests_properties(rel_compat_table PROPERTIES LABELS "emu;rel" TIMEOUT 300)

# --- 7. IRDMA_DEBUG is not honoured under AT_SECURE ------------------------
# The provider's debug switch (debug.c) in a program that runs a set-id copy
# of itself; no emulator (a set-id program loads no LD_PRELOAD).
add_executable(rel_debug_secure "${_rel}/rel_debug_secure.c"
	"${CMAKE_SOURCE_DIR}/providers/irdma/debug.c")
target_include_directories(rel_debug_secure BEFORE PRIVATE
	"${CMAKE_SOURCE_DIR}/providers/irdma"
	$<TARGET_PROPERTY:rdma_core::ibverbs,INTERFACE_INCLUDE_DIRECTORIES>)
add_test(NAME rel_debug_secure
	COMMAND rel_debug_secure "${CMAKE_CURRENT_BINARY_DIR}")
set_tests_properties(rel_debug_secure PROPERTIES LABELS "rel"
	SKIP_RETURN_CODE 77 TIMEOUT 60)
