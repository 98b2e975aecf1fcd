# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Push doorbells: the data path tests again on a driver that hands out push
# pages (irdma-emu-run --push; gen 2, 3). Every WQE then carries the push
# bit and single-WQE doorbells go through the push window. Each test of our
# own programs also gets its vg.* memcheck twin (tests/CMakeLists.txt).
# The hostile-device, concurrency and bad-input runs with --push are in
# tests/reliability/reliability.cmake.
# hw_datapath_push_* (tests/emu/CMakeLists.txt) prove that pushing happens;
# here IRDMA_EMU_LEAK_CHECK=1 fails a test on any push protocol error the
# device sees (besides leaks).

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
