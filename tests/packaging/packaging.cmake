# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Packaging, label "packaging": build the Debian package in a copy of the
# tree, lintian it, install it into scratch dpkg roots (diversion of
# rdma-core's provider, upgrades, removal, PABI refusal) and let libibverbs
# load the installed provider under the emulator; build the RPM and check
# its dependencies and takeover scriptlets. The package builds reuse this
# tree's rdma-core build (RDMA_CORE_BUILD_DIR) through an overlay with the
# distribution's paths: nothing of rdma-core is rebuilt or downloaded, only
# the provider is compiled. Each script prints its time.
set(_pkg_scripts "${CMAKE_CURRENT_LIST_DIR}")
set(_pkg_out "${CMAKE_BINARY_DIR}/packaging")

add_test(NAME packaging_versions
	COMMAND "${_pkg_scripts}/check-versions.sh" "${CMAKE_SOURCE_DIR}"
		"${PROJECT_VERSION}")

add_test(NAME packaging_deb_build
	COMMAND "${_pkg_scripts}/build-deb.sh" "${CMAKE_SOURCE_DIR}"
		"${_pkg_out}/deb" "${RDMA_CORE_BUILD_DIR}")
set_tests_properties(packaging_deb_build PROPERTIES
	FIXTURES_SETUP packaging_deb)

add_test(NAME packaging_deb_lintian
	COMMAND "${_pkg_scripts}/lintian.sh" "${_pkg_out}/deb")
set_tests_properties(packaging_deb_lintian PROPERTIES
	FIXTURES_REQUIRED packaging_deb)

add_test(NAME packaging_deb_install
	COMMAND "${_pkg_scripts}/deb-install-test.sh" "${_pkg_out}/deb"
		"${RDMA_CORE_UPSTREAM_IRDMA}" "${_pkg_out}/deb-install")
set_tests_properties(packaging_deb_install PROPERTIES
	FIXTURES_REQUIRED packaging_deb FIXTURES_SETUP packaging_deb_root)

add_test(NAME packaging_deb_loads
	COMMAND "${_pkg_scripts}/deb-load-test.sh"
		"${CMAKE_BINARY_DIR}/bin/irdma-emu-run"
		"${_pkg_out}/deb-install/root")
set_tests_properties(packaging_deb_loads PROPERTIES
	FIXTURES_REQUIRED packaging_deb_root)

add_test(NAME packaging_rpm_build
	COMMAND "${_pkg_scripts}/build-rpm.sh" "${CMAKE_SOURCE_DIR}"
		"${_pkg_out}/rpm" "${RDMA_CORE_BUILD_DIR}")

# Seconds each on an idle 2-core machine; the timeout leaves room for a
# loaded one.
set_tests_properties(packaging_versions packaging_deb_build
	packaging_deb_lintian packaging_deb_install packaging_deb_loads
	packaging_rpm_build PROPERTIES LABELS packaging TIMEOUT 300)
