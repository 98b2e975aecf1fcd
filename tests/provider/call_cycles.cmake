# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Fails when the given object files call each other in a circle.
#
#   cmake -DNM=<nm> -DOBJECTS="<a.o>;<b.o>;..." -P call_cycles.cmake
#
# File A depends on file B when A references (nm "U") a global symbol that B
# defines (nm "T", "D", "B" or "R"). Static functions, and static inline
# functions of headers, belong to the file they are compiled into, so a call
# through an inline helper counts for the file that uses it. The files must
# form a layered graph: for every file, no path of such dependencies leads
# back to it. Each file found on a circle is reported with one circle
# through it, and the check fails.

cmake_minimum_required(VERSION 3.18)

if(NOT NM OR NOT OBJECTS)
	message(FATAL_ERROR "usage: cmake -DNM=nm -DOBJECTS=a.o;b.o -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

# Objects are named after their source: "poll.c.o" is poll.c.
set(_files)
foreach(_obj IN LISTS OBJECTS)
	if(_obj STREQUAL "")
		continue()
	endif()
	get_filename_component(_name "${_obj}" NAME)
	string(REGEX REPLACE "\\.o(bj)?$" "" _name "${_name}")
	list(APPEND _files "${_name}")
	set(_obj_${_name} "${_obj}")
endforeach()

# Who defines what, and what each file needs.
foreach(_f IN LISTS _files)
	execute_process(COMMAND "${NM}" "${_obj_${_f}}" OUTPUT_VARIABLE _out
		RESULT_VARIABLE _rc)
	if(NOT _rc EQUAL 0)
		message(FATAL_ERROR "${NM} ${_obj_${_f}} failed (${_rc})")
	endif()
	string(REPLACE "\n" ";" _lines "${_out}")
	set(_refs_${_f})
	foreach(_line IN LISTS _lines)
		if(_line MATCHES "^ +U ([^ ]+)$")
			list(APPEND _refs_${_f} "${CMAKE_MATCH_1}")
		elseif(_line MATCHES "^[0-9a-fA-F]+ [TDBR] ([^ ]+)$")
			set(_owner_${CMAKE_MATCH_1} "${_f}")
		endif()
	endforeach()
endforeach()

foreach(_f IN LISTS _files)
	set(_deps_${_f})
	foreach(_sym IN LISTS _refs_${_f})
		set(_to "${_owner_${_sym}}")
		if(_to AND NOT _to STREQUAL _f)
			list(APPEND _deps_${_f} "${_to}")
		endif()
	endforeach()
	if(_deps_${_f})
		list(REMOVE_DUPLICATES _deps_${_f})
	endif()
endforeach()

# From every file, a breadth-first walk of its dependencies; reaching the
# file again closes a circle, which the parent links spell out.
set(_bad)
foreach(_start IN LISTS _files)
	set(_queue ${_deps_${_start}})
	set(_seen ${_deps_${_start}})
	foreach(_d IN LISTS _deps_${_start})
		set(_parent_${_d} "${_start}")
	endforeach()
	set(_circle)
	while(_queue)
		list(POP_FRONT _queue _n)
		if(_n STREQUAL _start)
			set(_circle "${_start}")
			set(_p "${_parent_${_start}}")
			while(NOT _p STREQUAL _start)
				list(PREPEND _circle "${_p}")
				set(_p "${_parent_${_p}}")
			endwhile()
			list(PREPEND _circle "${_start}")
			break()
		endif()
		foreach(_d IN LISTS _deps_${_n})
			if(NOT _d IN_LIST _seen)
				list(APPEND _seen "${_d}")
				list(APPEND _queue "${_d}")
				set(_parent_${_d} "${_n}")
			endif()
		endforeach()
	endwhile()
	if(_circle)
		string(REPLACE ";" " -> " _path "${_circle}")
		message("call cycle: ${_path}")
		list(APPEND _bad "${_start}")
	endif()
	foreach(_f IN LISTS _files)
		unset(_parent_${_f})
	endforeach()
endforeach()

list(LENGTH _files _nfiles)
if(_bad)
	list(LENGTH _bad _nbad)
	message(FATAL_ERROR "${_nbad} of ${_nfiles} files are on call cycles")
endif()
message("no call cycles among ${_nfiles} files")
