# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Checks of the provider as a whole rather than of one verb.

# No file of the provider may call, through any chain of calls, back into
# itself: the files form layers (docs/architecture.md), and each calls only
# the ones below it.
add_test(NAME provider_call_cycles
	COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM}
		"-DOBJECTS=$<TARGET_OBJECTS:irdma_provider_objects>"
		-P "${CMAKE_CURRENT_LIST_DIR}/call_cycles.cmake")
set_tests_properties(provider_call_cycles PROPERTIES LABELS "provider"
	TIMEOUT 60)

# Diagnostics go to libibverbs' log (VERBS_LOG_LEVEL, VERBS_LOG_FILE), and
# IRDMA_DEBUG=1 keeps printing them on stderr.
add_test(NAME provider_verbs_log
	COMMAND ${CMAKE_COMMAND}
		"-DEMU=${CMAKE_BINARY_DIR}/bin/irdma-emu-run"
		"-DDEVINFO=${RDMA_CORE_BIN_DIR}/ibv_devinfo"
		"-DWORK=${CMAKE_CURRENT_BINARY_DIR}/provider"
		-P "${CMAKE_CURRENT_LIST_DIR}/verbs_log.cmake")
set_tests_properties(provider_verbs_log PROPERTIES LABELS "provider;emu"
	TIMEOUT 120)
