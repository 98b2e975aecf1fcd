#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# lintian.sh DEBDIR: lintian on the binary package; any error or warning
# that debian/*.lintian-overrides does not override (each override says why)
# fails. Overridden tags are listed in the output.
set -euo pipefail
SECONDS=0

deb=$(ls "${1:?usage: lintian.sh DEBDIR}"/ibverbs-provider-irdma-coco_*.deb)
# One run that shows the overridden tags too (O:); with --show-overrides,
# --fail-on would count them, so the verdict comes from the tag letters.
rc=0
out=$(lintian --display-info --show-overrides --fail-on none "$deb" 2>&1) ||
	rc=$?
echo "$out"
[ "$rc" -eq 0 ] || { echo "FAIL: lintian exited with $rc" >&2; exit 1; }
if echo "$out" | grep -q '^[EW]:'; then
	echo "FAIL: lintian found errors or warnings" >&2
	exit 1
fi
echo "PASS: lintian $deb (${SECONDS} s)"
