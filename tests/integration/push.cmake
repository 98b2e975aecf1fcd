# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Push doorbells: the data path, hostile-device and concurrency tests again
# on a driver that hands out push pages (irdma-emu-run --push; gen 2, 3). Every WQE then carries the push bit
# and single-WQE doorbells go through the push window. Each test of our
# own programs also gets its vg.* memcheck twin (tests/CMakeLists.txt).
# rel_badinput_*_push are in reliability.cmake with the other bad-input runs.
# hw_datapath_push_* (tests/emu/CMakeLists.txt) prove that pushing happens;
# here IRDMA_EMU_LEAK_CHECK=1 fails a test on any push protocol error the
# device sees (besides leaks).
set(_push_rel "${CMAKE_CURRENT_SOURCE_DIR}/reliability")

foreach(_t opcodes wr_api flush)
	foreach(_gen 2 3)
		irdma_emu_test(dp_${_t}_gen${_gen}_push
			EMU_ARGS --gen ${_gen} --push
			COMMAND $<TARGET_FILE:dp_${_t}> --gen ${_gen}
			LABELS "dp;push")
		set_property(TEST dp_${_t}_gen${_gen}_push APPEND PROPERTY
			ENVIRONMENT IRDMA_EMU_LEAK_CHECK=1)
	endforeach()
endforeach()

foreach(_prov upstream ours)
	irdma_emu_test(hw_datapath_ops_${_prov}_gen2_push
		EMU_ARGS --gen 2 --push --provider ${_prov}
		COMMAND $<TARGET_FILE:hw_datapath_ops>
		LABELS "datapath;push;novalgrind")
	set_property(TEST hw_datapath_ops_${_prov}_gen2_push APPEND PROPERTY
		ENVIRONMENT IRDMA_EMU_LEAK_CHECK=1)
endforeach()

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
irdma_test_program(rel_push "${_push_rel}/rel_push.c" "${_push_rel}/rel_util.c")
target_link_libraries(rel_push PRIVATE ${CMAKE_DL_LIBS})
target_include_directories(rel_push PRIVATE "${CMAKE_SOURCE_DIR}/tests/emu")
foreach(_gen 2 3)
	irdma_emu_test(rel_push_gen${_gen} EMU_ARGS --gen ${_gen} --push
		COMMAND $<TARGET_FILE:rel_push>
		LABELS "rel;push")
	set_property(TEST rel_push_gen${_gen} APPEND PROPERTY
		ENVIRONMENT "IRDMA_EMU_LEAK_CHECK=1;MALLOC_ARENA_MAX=1")
endforeach()
