# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Reliability tests (engineer "rel"): every failure path, bad input,
# a hostile device, concurrency, compatibility, and the integration suite
# again under valgrind memcheck and in a sanitizer build. Sources and
# scripts live in tests/reliability/. Included from tests/CMakeLists.txt.
set(_rel "${CMAKE_CURRENT_SOURCE_DIR}/reliability")
set(_rel_run "${CMAKE_BINARY_DIR}/bin/irdma-emu-run")

foreach(_t faults)
	irdma_test_program(rel_${_t} "${_rel}/rel_${_t}.c" "${_rel}/rel_util.c")
	target_link_libraries(rel_${_t} PRIVATE ${CMAKE_DL_LIBS})
endforeach()

# --- 2. every failure path -------------------------------------------------
foreach(_case "gen1;--gen 1" "gen2;--gen 2" "gen2_cc;--gen 2 --cc"
		"gen3_cc;--gen 3 --cc;--srq")
	list(GET _case 0 _name)
	list(GET _case 1 _emu)
	list(LENGTH _case _len)
	set(_args "")
	if(_len GREATER 2)
		list(GET _case 2 _args)
	endif()
	separate_arguments(_emu)
	irdma_emu_test(rel_faults_${_name} EMU_ARGS ${_emu}
		COMMAND env IRDMA_EMU_LEAK_CHECK=1 $<TARGET_FILE:rel_faults>
			${_args}
		LABELS rel TIMEOUT 300)
endforeach()
