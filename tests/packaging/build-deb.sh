#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# build-deb.sh SRC_TOP OUTDIR RDMA_CORE_DIR
#
# Build the Debian packages the way a packager would (dpkg-buildpackage -us
# -uc -b), in a copy of SRC_TOP so the checkout stays clean, against the
# rdma-core in RDMA_CORE_DIR (debian/rdma-core-build reconfigures it with
# Debian's paths). The .deb, .changes and the build log end up in OUTDIR.
set -euo pipefail

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
if ! RDMA_CORE_DIR=$rc dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1; then
	tail -n 60 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
fi
ls "$out"/*.deb "$out"/*.changes
