#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# build-deb.sh SRC_TOP OUTDIR RDMA_CORE_DIR
#
# Build the Debian package the way a packager would (dpkg-buildpackage -us
# -uc -b), in a copy of SRC_TOP so the checkout stays clean, against the
# rdma-core in RDMA_CORE_DIR. Given the test's rdma-core build tree,
# debian/rdma-core-build only overlays it with Debian's paths: nothing of
# rdma-core is rebuilt or fetched. Standard DEB_BUILD_OPTIONS keep it short:
# no dbgsym package, no test run (the package build runs none anyway). The
# .deb, .changes and the build log end up in OUTDIR.
set -euo pipefail
SECONDS=0

top=${1:?usage: build-deb.sh SRC_TOP OUTDIR RDMA_CORE_DIR}
out=${2:?}
rc=${3:?}

rm -rf "$out"
mkdir -p "$out/src"
# Everything but build trees and VCS data: the working tree as it is.
tar -C "$top" --exclude='./build*' --exclude='./obj-*' --exclude=./.git \
	-cf - . | tar -C "$out/src" -xf -

cd "$out/src"
dpkg-checkbuilddeps
DEB_BUILD_OPTIONS="noautodbgsym nocheck parallel=$(nproc)"
export DEB_BUILD_OPTIONS
if ! RDMA_CORE_DIR=$rc dpkg-buildpackage -us -uc -b --no-pre-clean \
	>"$out/build.log" 2>&1; then
	tail -n 60 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
fi
grep -q 'rdma-core-build: overlay of' "$out/build.log" ||
	echo "note: rdma-core was rebuilt (RDMA_CORE_DIR is not a build tree)"
ls "$out"/*.deb "$out"/*.changes
echo "PASS: deb built in ${SECONDS} s"
