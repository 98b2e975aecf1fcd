# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Locate (or obtain and build) the rdma-core this provider is built against.
#
# RDMA_CORE_DIR (cache) may name an existing rdma-core *build* tree (one with
# include/config.h and lib/libibverbs.so) or *source* tree (one with
# libibverbs/ and CMakeLists.txt). When it is empty, Debian's rdma-core source
# package is fetched through apt (scripts/fetch-rdma-core) and built inside
# this build tree: the newest the archive has, or exactly
# RDMA_CORE_FETCH_VERSION (cache, e.g. 64.0: the oldest we support).
#
# Results:
#   RDMA_CORE_BUILD_DIR     the rdma-core build tree in use
#   RDMA_CORE_SOURCE_DIR    its source tree
#   RDMA_CORE_VERSION       e.g. 65.0
#   IBVERBS_PABI_VERSION    the provider ABI, e.g. 65
#   RDMA_CORE_PROVIDER_DIR  where that libibverbs looks for providers
#   RDMA_CORE_CONFIG_DIR    where that libibverbs reads *.driver files
#   rdma_core::ibverbs      imported libibverbs with the internal headers

set(RDMA_CORE_DIR "" CACHE PATH
	"Existing rdma-core source or build tree (empty: fetch Debian's source with apt)")
set(RDMA_CORE_FETCH_VERSION "" CACHE STRING
	"rdma-core version to fetch when RDMA_CORE_DIR is empty (empty: the newest)")
set(RDMA_CORE_MIN_VERSION 64)

set(_rc_root "${CMAKE_BINARY_DIR}/rdma-core")
set(_rc_targets ibverbs ibv_devices ibv_devinfo ibv_rc_pingpong
	ibv_ud_pingpong ibv_srq_pingpong)

function(_rc_run)
	execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
	if(NOT rc EQUAL 0)
		string(REPLACE ";" " " cmd "${ARGN}")
		message(FATAL_ERROR "rdma-core: '${cmd}' failed (${rc})")
	endif()
endfunction()

# Configure and build the parts of an rdma-core source tree that we need.
# The libibverbs built here reads its *.driver files from an empty directory
# of its own, so no provider is loaded unless asked for (irdma-emu-run asks
# with RDMAV_DRIVERS): rdma-core's own irdma provider is built only as a
# reference and never picked up by accident.
# Configured like Debian's own rdma-core (with libnl: libibverbs then finds
# devices through RDMA netlink, which is how it learns a driver id).
set(_rc_options -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNO_MAN_PAGES=1
	-DNO_PYVERBS=1 -DENABLE_STATIC=0)

function(_rc_build src bld)
	# The stamp records the options and the source's version, so changing
	# either rebuilds.
	set(stamp "${bld}/.irdma-built")
	file(STRINGS "${src}/CMakeLists.txt" _ver REGEX "^set\\(PACKAGE_VERSION ")
	string(REPLACE ";" " " _want "${_rc_options} ${src} ${_ver}")
	if(EXISTS "${stamp}")
		file(READ "${stamp}" _have)
		if(_have STREQUAL _want)
			return()
		endif()
		file(REMOVE_RECURSE "${bld}")
	endif()
	find_program(_rc_ninja ninja)
	if(_rc_ninja)
		set(gen -G Ninja)
	else()
		set(gen -G "Unix Makefiles")
	endif()
	message(STATUS "rdma-core: configuring ${src}")
	_rc_run(${CMAKE_COMMAND} ${gen} -S "${src}" -B "${bld}" ${_rc_options}
		-DCMAKE_INSTALL_PREFIX=${_rc_root}/stage
		-DCMAKE_C_COMPILER=${CMAKE_C_COMPILER})
	file(STRINGS "${bld}/include/config.h" _pabi
		REGEX "^#define IBVERBS_PABI_VERSION ")
	string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _pabi "${_pabi}")
	message(STATUS "rdma-core: building libibverbs, examples, irdma-rdmav${_pabi}")
	include(ProcessorCount)
	ProcessorCount(_ncpu)
	if(_ncpu EQUAL 0)
		set(_ncpu 2)
	endif()
	_rc_run(${CMAKE_COMMAND} --build "${bld}" --parallel ${_ncpu} --target
		${_rc_targets} irdma-rdmav${_pabi})
	file(WRITE "${stamp}" "${_want}")
endfunction()

if(RDMA_CORE_DIR)
	get_filename_component(_rc_dir "${RDMA_CORE_DIR}" ABSOLUTE)
	if(EXISTS "${_rc_dir}/include/config.h" AND
	   EXISTS "${_rc_dir}/lib/libibverbs.so")
		set(RDMA_CORE_BUILD_DIR "${_rc_dir}")
		# The build tree's include/infiniband links point into its source.
		get_filename_component(_drv "${_rc_dir}/include/infiniband/driver.h"
			REALPATH)
		get_filename_component(_drv "${_drv}" DIRECTORY)
		get_filename_component(RDMA_CORE_SOURCE_DIR "${_drv}" DIRECTORY)
	elseif(EXISTS "${_rc_dir}/libibverbs/driver.h" AND
	       EXISTS "${_rc_dir}/CMakeLists.txt")
		set(RDMA_CORE_SOURCE_DIR "${_rc_dir}")
		set(RDMA_CORE_BUILD_DIR "${_rc_root}/build")
		_rc_build("${RDMA_CORE_SOURCE_DIR}" "${RDMA_CORE_BUILD_DIR}")
	else()
		message(FATAL_ERROR "RDMA_CORE_DIR=${RDMA_CORE_DIR} is neither an "
			"rdma-core build tree (include/config.h, lib/libibverbs.so) "
			"nor a source tree (libibverbs/driver.h)")
	endif()
else()
	set(RDMA_CORE_SOURCE_DIR "${_rc_root}/src")
	set(RDMA_CORE_BUILD_DIR "${_rc_root}/build")
	# A source tree of another version than the one asked for is replaced.
	set(_rc_have "")
	if(EXISTS "${RDMA_CORE_SOURCE_DIR}/CMakeLists.txt")
		file(STRINGS "${RDMA_CORE_SOURCE_DIR}/CMakeLists.txt" _rc_have
			REGEX "^set\\(PACKAGE_VERSION ")
		string(REGEX REPLACE ".*\"(.*)\".*" "\\1" _rc_have "${_rc_have}")
	endif()
	if(RDMA_CORE_FETCH_VERSION AND
	   NOT _rc_have STREQUAL RDMA_CORE_FETCH_VERSION)
		file(REMOVE_RECURSE "${RDMA_CORE_SOURCE_DIR}")
	endif()
	if(NOT EXISTS "${RDMA_CORE_SOURCE_DIR}/libibverbs/driver.h")
		execute_process(
			COMMAND "${CMAKE_SOURCE_DIR}/scripts/fetch-rdma-core"
				"${_rc_root}/download" ${RDMA_CORE_MIN_VERSION}
				${RDMA_CORE_FETCH_VERSION}
			OUTPUT_VARIABLE _tarball
			OUTPUT_STRIP_TRAILING_WHITESPACE
			RESULT_VARIABLE _rc)
		if(NOT _rc EQUAL 0 OR NOT EXISTS "${_tarball}")
			message(FATAL_ERROR "could not obtain the rdma-core source "
				"package; set RDMA_CORE_DIR to an existing tree")
		endif()
		file(REMOVE_RECURSE "${RDMA_CORE_SOURCE_DIR}")
		file(MAKE_DIRECTORY "${RDMA_CORE_SOURCE_DIR}")
		_rc_run(tar -xf "${_tarball}" -C "${RDMA_CORE_SOURCE_DIR}"
			--strip-components=1)
	endif()
	_rc_build("${RDMA_CORE_SOURCE_DIR}" "${RDMA_CORE_BUILD_DIR}")
endif()

# Facts about the dependency, read from its own config.h.
file(STRINGS "${RDMA_CORE_BUILD_DIR}/include/config.h" _cfg
	REGEX "^#define (IBVERBS_PABI_VERSION|PACKAGE_VERSION|VERBS_PROVIDER_DIR|IBV_CONFIG_DIR) ")
foreach(_line IN LISTS _cfg)
	if(_line MATCHES "^#define ([A-Z_]+) \"?([^\"]*)\"?$")
		set(_rc_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
	endif()
endforeach()
set(IBVERBS_PABI_VERSION "${_rc_IBVERBS_PABI_VERSION}")
set(RDMA_CORE_VERSION "${_rc_PACKAGE_VERSION}")
set(RDMA_CORE_PROVIDER_DIR "${_rc_VERBS_PROVIDER_DIR}")
set(RDMA_CORE_CONFIG_DIR "${_rc_IBV_CONFIG_DIR}")
if(NOT IBVERBS_PABI_VERSION OR NOT RDMA_CORE_VERSION)
	message(FATAL_ERROR "rdma-core: cannot read PABI/version from "
		"${RDMA_CORE_BUILD_DIR}/include/config.h")
endif()
if(RDMA_CORE_VERSION VERSION_LESS RDMA_CORE_MIN_VERSION)
	message(FATAL_ERROR "rdma-core ${RDMA_CORE_VERSION} is too old: the CoCo "
		"buffer API needs >= ${RDMA_CORE_MIN_VERSION}")
endif()
if(NOT RDMA_CORE_DIR AND RDMA_CORE_FETCH_VERSION AND
   NOT RDMA_CORE_VERSION STREQUAL RDMA_CORE_FETCH_VERSION)
	message(FATAL_ERROR "rdma-core ${RDMA_CORE_VERSION} was built, "
		"RDMA_CORE_FETCH_VERSION asks for ${RDMA_CORE_FETCH_VERSION}")
endif()
# An empty driver directory keeps libibverbs quiet and loads nothing by
# itself (see _rc_build).
if(RDMA_CORE_CONFIG_DIR MATCHES "^${_rc_root}/")
	file(MAKE_DIRECTORY "${RDMA_CORE_CONFIG_DIR}")
endif()
message(STATUS "rdma-core ${RDMA_CORE_VERSION} (PABI ${IBVERBS_PABI_VERSION}) "
	"in ${RDMA_CORE_BUILD_DIR}")

add_library(rdma_core::ibverbs SHARED IMPORTED)
set_target_properties(rdma_core::ibverbs PROPERTIES
	IMPORTED_LOCATION "${RDMA_CORE_BUILD_DIR}/lib/libibverbs.so.1"
	INTERFACE_INCLUDE_DIRECTORIES "${RDMA_CORE_BUILD_DIR}/include")
set(RDMA_CORE_BIN_DIR "${RDMA_CORE_BUILD_DIR}/bin")
set(RDMA_CORE_LIB_DIR "${RDMA_CORE_BUILD_DIR}/lib")
set(RDMA_CORE_UPSTREAM_IRDMA
	"${RDMA_CORE_LIB_DIR}/libirdma-rdmav${IBVERBS_PABI_VERSION}.so")
