#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# deb-load-test.sh IRDMA_EMU_RUN ROOT
#
# libibverbs loads the provider as the package installed it: run
# ibv_devinfo on an emulated device with irdma-emu-run --provider pointing
# at ROOT/usr/lib/<multiarch>/libibverbs/libirdma (deb-install-test.sh left
# the package installed in ROOT). IRDMA_DEBUG=1 makes our provider announce
# itself ("irdma: context: ..."), which rdma-core's provider never prints.
set -euo pipefail
SECONDS=0

emu=${1:?usage: deb-load-test.sh IRDMA_EMU_RUN ROOT}
root=${2:?}

fail() { echo "FAIL: $*" >&2; exit 1; }

[ -x "$emu" ] || fail "$emu not built"
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
so=$(ls "$root/usr/lib/$ma/libibverbs/"libirdma-rdmav*.so 2>/dev/null) ||
	fail "no installed provider under $root"
prefix=${so%-rdmav*.so}

out=$(IRDMA_DEBUG=1 "$emu" --provider "$prefix" -- ibv_devinfo 2>&1) || {
	echo "$out"
	fail "ibv_devinfo through $so failed"
}
echo "$out"
grep -q '^hca_id:' <<<"$out" || fail "ibv_devinfo listed no device"
grep -q '^irdma: context:' <<<"$out" ||
	fail "the device was not opened by our provider"

# The same in an emulated CoCo guest: the installed provider sees the
# device's DMA-bounce flag.
out=$(IRDMA_DEBUG=1 "$emu" --cc --provider "$prefix" -- ibv_devinfo 2>&1) || {
	echo "$out"
	fail "ibv_devinfo through $so in a CoCo guest failed"
}
echo "$out" | grep '^irdma: device'
grep -q '^irdma: device needs DMA bounce' <<<"$out" ||
	fail "the provider did not see the CoCo device's DMA bounce flag"
echo "PASS: libibverbs loaded $so (${SECONDS} s)"
