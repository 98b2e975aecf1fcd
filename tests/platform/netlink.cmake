# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# The emulated RDMA netlink (tests/emu/platform/netlink.c). libibverbs
# built with libnl learns each device's driver id from it, which is the only
# way rdma-core 65's own irdma provider matches the gen 3 device (not in its
# PCI table). IRDMA_EMU_NETLINK=0 turns it off (sysfs-only discovery).
# Included from platform.cmake.
set(_nlrun "${CMAKE_BINARY_DIR}/bin/irdma-emu-run")
set(_nlbin "${RDMA_CORE_BIN_DIR}")
set(_nlsrc "${CMAKE_CURRENT_LIST_DIR}")

# The protocol itself, spoken raw: dump, chardev, errnos, acks.
irdma_test_program(nl_proto "${_nlsrc}/nl_proto.c")
foreach(_n 1 3)
	irdma_emu_test(nl_proto_devices${_n} EMU_ARGS --devices ${_n}
		COMMAND $<TARGET_FILE:nl_proto> ${_n} LABELS "plat;netlink")
endforeach()

# rdma-core's own provider finds gen 3 through the driver id ...
irdma_emu_test(nl_devinfo_upstream_gen3
	EMU_ARGS --gen 3 --provider upstream
	COMMAND "${_nlbin}/ibv_devinfo" -v LABELS "plat;netlink")
# ... and only through it: without netlink it sees no device at all.
add_test(NAME nl_devinfo_upstream_gen3_without_netlink
	COMMAND "${_nlrun}" --gen 3 --provider upstream --
		"${_nlbin}/ibv_devinfo")
set_tests_properties(nl_devinfo_upstream_gen3_without_netlink PROPERTIES
	ENVIRONMENT "IRDMA_EMU_NETLINK=0"
	PASS_REGULAR_EXPRESSION "No IB devices found" TIMEOUT 30
	LABELS "emu;plat;netlink")

# Same devices, same attributes, with and without netlink. Our provider
# matches by driver id with netlink and by PCI id without.
foreach(_case ours:1 ours:2 ours:3 upstream:1 upstream:2)
	string(REPLACE ":" ";" _c "${_case}")
	list(GET _c 0 _prov)
	list(GET _c 1 _gen)
	add_test(NAME nl_same_devices_${_prov}_gen${_gen}
		COMMAND sh "${_nlsrc}/netlink_same.sh" "${_nlrun}"
			"--gen ${_gen} --devices 2 --provider ${_prov}" 2
			"${_nlbin}/ibv_devinfo")
	set_tests_properties(nl_same_devices_${_prov}_gen${_gen} PROPERTIES
		TIMEOUT 60 LABELS "emu;plat;netlink")
endforeach()

# nl_pingpong(NAME PORT_BASE "EMU ARGS" PROGRAM ARGS...): server and client
# on one fabric through tests/common/pingpong.sh (as datapath/providers.cmake).
function(nl_pingpong NAME PORT EMU)
	irdma_pingpong_test(${NAME} PORT ${PORT} EMU_ARGS "${EMU}"
		COMMAND ${ARGN} PROCESS_TIMEOUT 60 RUN_SERIAL
		LABELS datapath netlink)
endfunction()

# The SRQ-capable generation on rdma-core's own provider.
nl_pingpong(nl_srq_pingpong_upstream_gen3 25350 "--gen 3 --provider upstream"
	"${_nlbin}/ibv_srq_pingpong" -g 1 -c -n 1000)
nl_pingpong(nl_srq_pingpong_events_upstream_gen3 25355
	"--gen 3 --provider upstream"
	"${_nlbin}/ibv_srq_pingpong" -g 0 -e -c -n 1000 -q 4)
nl_pingpong(nl_rc_pingpong_upstream_gen3 25360 "--gen 3 --provider upstream"
	"${_nlbin}/ibv_rc_pingpong" -g 1 -c -n 1000)
nl_pingpong(nl_ud_pingpong_upstream_gen3 25370 "--gen 3 --provider upstream"
	"${_nlbin}/ibv_ud_pingpong" -g 1 -c -n 500)

# The wrapper's switch does the same as IRDMA_EMU_NETLINK=0.
add_test(NAME nl_devinfo_upstream_gen3_no_netlink_option
	COMMAND "${_nlrun}" --gen 3 --provider upstream --no-netlink --
		"${_nlbin}/ibv_devinfo")
set_tests_properties(nl_devinfo_upstream_gen3_no_netlink_option PROPERTIES
	PASS_REGULAR_EXPRESSION "No IB devices found" TIMEOUT 30
	LABELS "emu;plat;netlink")
