#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# build-rpm.sh SRC_TOP OUTDIR RDMA_CORE_DIR
#
# rpmbuild -bb redhat/irdma-coco.spec (with Debian's rpm tools) from a
# tarball of SRC_TOP, against the rdma-core in RDMA_CORE_DIR (a build tree:
# reused; a source tree: built) instead of the spec's Source1. --nodeps: the
# BuildRequires name Fedora packages, which Debian's empty rpm database does
# not know; the Debian build dependencies are what is really used.
# Then checks what the package says about itself.
set -euo pipefail
SECONDS=0

top=${1:?usage: build-rpm.sh SRC_TOP OUTDIR RDMA_CORE_DIR}
out=${2:?}
rc=${3:?}

fail() { echo "FAIL: $*" >&2; exit 1; }

# A build tree is reused (an overlay with RPM paths, nothing rebuilt); a
# source tree is configured and its libibverbs built.
rc=$(cd "$rc" && pwd)
if [ -f "$rc/include/config.h" ] && [ -e "$rc/lib/libibverbs.so" ]; then
	rc_define="rdma_core_build $rc"
elif [ -f "$rc/libibverbs/driver.h" ]; then
	rc_define="rdma_core_src $rc"
else
	fail "$rc is neither an rdma-core build tree nor a source tree"
fi

spec=$top/redhat/irdma-coco.spec
name=$(rpmspec -q --qf '%{name}\n' --srpm "$spec")
version=$(rpmspec -q --qf '%{version}\n' --srpm "$spec")

rm -rf "$out"
mkdir -p "$out/SOURCES"
tar -C "$top" --exclude='./build*' --exclude='./obj-*' --exclude=./.git \
	--transform "s|^\\.|$name-$version|" \
	-czf "$out/SOURCES/$name-$version.tar.gz" .

if ! rpmbuild -bb --nodeps --define "_topdir $out" \
	--define "$rc_define" "$spec" >"$out/build.log" 2>&1; then
	tail -n 60 "$out/build.log" >&2
	fail "rpmbuild failed (log: $out/build.log)"
fi
rpm=""
for f in "$out"/RPMS/*/"$name-$version"-*.rpm; do
	case $f in *debug*) ;; *) rpm=$f ;; esac
done
[ -f "$rpm" ] || fail "no $name-$version rpm in $out/RPMS"
echo "built $rpm"

pabi=$(rpm -qp --requires "$rpm" |
	sed -n 's/^libibverbs[^ ]* >= \([0-9]*\)$/\1/p')
[ -n "$pabi" ] || fail "no versioned libibverbs requirement"
reqs=$(rpm -qp --requires "$rpm")
echo "$reqs" | grep -qx "libibverbs(.*) < $((pabi + 1))" ||
	fail "no upper bound on libibverbs: $reqs"
echo "$reqs" | grep -q "libibverbs.so.1(IBVERBS_PRIVATE_$pabi)" ||
	fail "no libibverbs.so.1(IBVERBS_PRIVATE_$pabi) requirement: $reqs"
echo "ok: requires libibverbs PABI $pabi exactly"

files=$(rpm -qlp "$rpm")
libdir=$(rpm --eval '%{_libdir}')
# brp-compress may or may not have compressed the man page.
for f in "$libdir/irdma-coco/libirdma-rdmav$pabi\.so" \
	 /etc/libibverbs.d/irdma-coco\.driver '/usr/share/man/man7/irdma\.7.*'; do
	echo "$files" | grep -qx "$f" || fail "$f not packaged: $files"
done
echo "ok: files"
rpm -qp --triggers "$rpm" | grep -q "triggerin scriptlet.*libibverbs" ||
	fail "no %triggerin on libibverbs"
rpm -qp --scripts "$rpm" | grep -q "preuninstall scriptlet" ||
	fail "no %preun"

# The takeover scriptlets, run against a scratch copy of the file system
# (paths rewritten into WORK): rpm cannot install into a scratch root here.
work=$out/scriptlets
rm -rf "$work"
up=$libdir/libibverbs/libirdma-rdmav$pabi.so
mkdir -p "$work$libdir/libibverbs"
rpm2archive - <"$rpm" | tar -xzf - -C "$work"
printf 'rdma-core provider\n' >"$work/upstream"
rewrite() { sed -e "s|$libdir/|$work$libdir/|g"; }
rpm -qp --qf '[%{TRIGGERSCRIPTS}\n]' "$rpm" | rewrite >"$work/triggerin.sh"
rpm -qp --qf '%{PREUN}\n' "$rpm" | rewrite >"$work/preun.sh"
ours=$work$libdir/irdma-coco/libirdma-rdmav$pabi.so
check_taken_over() {
	cmp -s "$work$up" "$ours" || fail "$1: $up is not our provider"
	cmp -s "$work$up.rdma-core" "$work/upstream" ||
		fail "$1: rdma-core's provider not at $up.rdma-core"
}
libibverbs_writes_provider() { # like rpm: new file renamed over the path
	cp "$work/upstream" "$work$up.tmp"
	mv -f "$work$up.tmp" "$work$up"
}
libibverbs_writes_provider
sh -e "$work/triggerin.sh"
check_taken_over "install"
sh -e "$work/triggerin.sh"
check_taken_over "trigger twice"
libibverbs_writes_provider
sh -e "$work/triggerin.sh"
check_taken_over "libibverbs upgrade"
sh -e "$work/preun.sh" 1
check_taken_over "our upgrade (preun 1)"
sh -e "$work/preun.sh" 0
cmp -s "$work$up" "$work/upstream" || fail "erase: rdma-core's provider not back"
[ ! -e "$work$up.rdma-core" ] || fail "erase: $up.rdma-core left behind"
echo "ok: takeover scriptlets (install, libibverbs upgrade, erase)"
echo "PASS: rpm $rpm (${SECONDS} s)"
