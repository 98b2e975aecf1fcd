# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# The provider's diagnostics on the emulated device, through ibv_devinfo:
#  - VERBS_LOG_LEVEL=4 with VERBS_LOG_FILE: the debug lines are in the file,
#    in libibverbs' format ("<device>: <function>:<line>: <message>");
#  - VERBS_LOG_LEVEL=1 (errors only): none of those debug lines;
#  - IRDMA_DEBUG=1 (the alias): the same lines on stderr, "irdma: " first;
#  - none of them: the provider prints nothing.
#
#   cmake -DEMU=<irdma-emu-run> -DDEVINFO=<ibv_devinfo> -DWORK=<dir>
#         -P verbs_log.cmake

cmake_minimum_required(VERSION 3.18)

foreach(_v EMU DEVINFO WORK)
	if(NOT ${_v})
		message(FATAL_ERROR "verbs_log.cmake: -D${_v}= is missing")
	endif()
endforeach()

file(MAKE_DIRECTORY "${WORK}")
set(_log "${WORK}/verbs_log.txt")
# The line alloc_context writes once a context is open.
set(_line "context: abi [0-9]+ kernel_ver")

# Run ibv_devinfo under the emulator with exactly the variables given.
function(devinfo out_err)
	file(REMOVE "${_log}")
	execute_process(
		COMMAND ${CMAKE_COMMAND} -E env --unset=IRDMA_DEBUG
			--unset=VERBS_LOG_LEVEL --unset=VERBS_LOG_FILE ${ARGN}
			"${EMU}" -- "${DEVINFO}"
		RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
	if(NOT _rc EQUAL 0)
		message(FATAL_ERROR "ibv_devinfo failed (${_rc}):\n${_out}${_err}")
	endif()
	if(NOT _out MATCHES "hca_id:")
		message(FATAL_ERROR "ibv_devinfo listed no device:\n${_out}")
	endif()
	set(${out_err} "${_err}" PARENT_SCOPE)
endfunction()

function(log_text out)
	set(_t "")
	if(EXISTS "${_log}")
		file(READ "${_log}" _t)
	endif()
	set(${out} "${_t}" PARENT_SCOPE)
endfunction()

# libibverbs' log, debug level: the provider's lines, in its format.
devinfo(err VERBS_LOG_LEVEL=4 "VERBS_LOG_FILE=${_log}")
log_text(text)
if(NOT text MATCHES "(^|\n)[^ \n]+: [A-Za-z_0-9]+:[0-9]+: ${_line}")
	message(FATAL_ERROR "VERBS_LOG_LEVEL=4: no '${_line}' line in "
		"VERBS_LOG_FILE:\n${text}")
endif()
if(err MATCHES "irdma: ")
	message(FATAL_ERROR "VERBS_LOG_LEVEL=4 alone printed on stderr:\n${err}")
endif()

# Errors only: the debug lines stay out.
devinfo(err VERBS_LOG_LEVEL=1 "VERBS_LOG_FILE=${_log}")
log_text(text)
if(text MATCHES "${_line}")
	message(FATAL_ERROR "VERBS_LOG_LEVEL=1 logged a debug line:\n${text}")
endif()

# The IRDMA_DEBUG alias: the same lines on stderr.
devinfo(err IRDMA_DEBUG=1)
if(NOT err MATCHES "(^|\n)irdma: ${_line}")
	message(FATAL_ERROR "IRDMA_DEBUG=1: no 'irdma: ${_line}' on "
		"stderr:\n${err}")
endif()

# Neither: silence.
devinfo(err)
if(err MATCHES "irdma: ")
	message(FATAL_ERROR "without IRDMA_DEBUG the provider printed:\n${err}")
endif()
message("provider diagnostics: VERBS_LOG_LEVEL/VERBS_LOG_FILE and the "
	"IRDMA_DEBUG alias work")
