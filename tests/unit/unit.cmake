# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
# util/dmabuf_heap: one program, one ctest entry per case. Slabs are memfds
# through the alloc_fd hook, so none of these need the emulator.
irdma_test_program(dmabuf_heap_test
	"${CMAKE_CURRENT_LIST_DIR}/dmabuf_heap_test.c")
target_link_libraries(dmabuf_heap_test PRIVATE irdma_util)

foreach(_case basic reuse packing wide slab_return many large backend_errors bad_input
		tunables export threads fork)
	add_test(NAME dmabuf_heap.${_case}
		COMMAND dmabuf_heap_test ${_case})
	set_tests_properties(dmabuf_heap.${_case} PROPERTIES
		TIMEOUT 120 LABELS "unit;dmabuf_heap")
endforeach()

# The default path, /dev/dma_heap/system_cc_shared, as the emulator
# provides it in a CoCo guest (memfd-backed DMA-bufs); and its absence.
irdma_emu_test(dmabuf_heap.emu.device EMU_ARGS --cc
	COMMAND $<TARGET_FILE:dmabuf_heap_test> device LABELS dmabuf_heap)
irdma_emu_test(dmabuf_heap.emu.device_many EMU_ARGS --cc
	COMMAND $<TARGET_FILE:dmabuf_heap_test> device_many LABELS dmabuf_heap)
irdma_emu_test(dmabuf_heap.emu.device_fork EMU_ARGS --cc
	COMMAND $<TARGET_FILE:dmabuf_heap_test> device_fork LABELS novalgrind dmabuf_heap)
irdma_emu_test(dmabuf_heap.emu.device_enomem
	EMU_ARGS --cc --fail heap:3:ENOMEM
	COMMAND $<TARGET_FILE:dmabuf_heap_test> device_enomem
	LABELS dmabuf_heap)
irdma_emu_test(dmabuf_heap.emu.no_device
	COMMAND $<TARGET_FILE:dmabuf_heap_test> no_device LABELS dmabuf_heap)
