#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# check-versions.sh SRC_TOP PROJECT_VERSION: the Debian changelog and the
# RPM spec carry the version of the project (CMakeLists.txt).
set -euo pipefail

top=${1:?usage: check-versions.sh SRC_TOP PROJECT_VERSION}
want=${2:?}

deb=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
deb=${deb#*:}
deb=${deb%-*}
rpm=$(rpmspec -q --srpm --qf '%{version}\n' "$top/redhat/irdma-coco.spec")
echo "project $want, debian $deb, rpm $rpm"
[ "$deb" = "$want" ] || { echo "FAIL: debian/changelog is $deb" >&2; exit 1; }
[ "$rpm" = "$want" ] || { echo "FAIL: the spec is $rpm" >&2; exit 1; }
echo "PASS"
