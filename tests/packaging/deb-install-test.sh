#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# deb-install-test.sh DEBDIR UPSTREAM_PROVIDER WORKDIR
#
# Install the built package into scratch roots with the real dpkg and check
# the takeover of rdma-core's irdma provider:
#  - it installs next to an ibverbs-providers that ships libirdma: that file
#    is diverted (renamed), ours takes its path;
#  - ibverbs-providers upgrades land on the diverted name, ours stays;
#  - installing ibverbs-providers after us works the same way;
#  - removal gives rdma-core's provider back and drops the diversion;
#  - it refuses to install (not even unpack) with a libibverbs1 of another
#    provider ABI, and the machine's apt (simulating) refuses it next to the
#    distribution's libibverbs1 when that has another PABI.
# rdma-core's packages are stand-ins built here with dpkg-deb (the real
# libibverbs1 65 is not in Debian 12); their versions follow rdma-core's
# scheme (65.0-1 is PABI 65). Maintainer scripts run on the host with
# DPKG_ROOT set (--force-script-chrootless): dpkg-divert honours DPKG_ROOT,
# so nothing outside WORKDIR is touched.
# Leaves WORKDIR/root with the package installed, for the load test.
set -euo pipefail
SECONDS=0

debdir=${1:?usage: deb-install-test.sh DEBDIR UPSTREAM_PROVIDER WORKDIR}
upstream=${2:?}
work=${3:?}

pkg=ibverbs-provider-irdma-coco
debdir=$(cd "$debdir" && pwd) # apt takes a file for a .deb only by path
deb=$(ls "$debdir"/${pkg}_*.deb)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
libdir=/usr/lib/$ma/libibverbs
# The PABI the package was built for, from the provider's own file name.
so=$(dpkg-deb -c "$deb" | grep -o "$libdir/libirdma-rdmav[0-9]*\.so$")
pabi=${so##*rdmav}
pabi=${pabi%.so}
diverted=$so.rdma-core

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

rm -rf "$work"
mkdir -p "$work/pkgs" "$work/ours"
dpkg-deb -x "$deb" "$work/ours"

# fake_deb NAME VERSION [FILE-SRC FILE-DEST]...: a stand-in package.
fake_deb() {
	local name=$1 version=$2 d="$work/pkgs/$1_$2"
	shift 2
	mkdir -p "$d/DEBIAN"
	while [ $# -ge 2 ]; do
		mkdir -p "$d$(dirname "$2")"
		cp "$1" "$d$2"
		shift 2
	done
	cat >"$d/DEBIAN/control" <<EOC
Package: $name
Version: $version
Architecture: $arch
Multi-Arch: same
Maintainer: packaging test <nobody@invalid>
Description: stand-in for rdma-core's $name
 Test stand-in.
EOC
	if [ -d "$d/etc" ]; then
		(cd "$d" && find etc -type f -printf '/%p\n') >"$d/DEBIAN/conffiles"
	fi
	dpkg-deb --root-owner-group -b "$d" "$d.deb" >/dev/null
	echo "$d.deb"
}

echo "driver irdma" >"$work/irdma.driver"
libc=$(fake_deb libc6 "$(dpkg-query -W -f='${Version}' libc6)")
verbs=$(fake_deb libibverbs1 "$pabi.0-1")
verbs_old=$(fake_deb libibverbs1 "$((pabi - 1)).0-1")
verbs_new=$(fake_deb libibverbs1 "$((pabi + 1)).0-1")
prov1=$(fake_deb ibverbs-providers "$pabi.0-1" "$upstream" "$so" \
	"$work/irdma.driver" /etc/libibverbs.d/irdma.driver)
prov2=$(fake_deb ibverbs-providers "$pabi.0-2" "$upstream" "$so" \
	"$work/irdma.driver" /etc/libibverbs.d/irdma.driver)

# A dpkg working on ROOT only.
new_root() {
	mkdir -p "$1/var/lib/dpkg/info" "$1/var/lib/dpkg/updates"
	touch "$1/var/lib/dpkg/status" "$1/var/lib/dpkg/available"
}
# Not root (a developer's CI): fakeroot gives dpkg the ownership it wants.
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(fakeroot)
rdpkg() {
	local root=$1
	shift
	"${as_root[@]}" dpkg --root="$root" --log=/dev/null \
		--force-script-chrootless --force-not-root "$@"
}
diversions() { dpkg-divert --root="$1" --list "$so"; }

check_taken_over() { # ROOT
	local r=$1
	cmp -s "$r$so" "$work/ours$so" || fail "$so is not our provider"
	cmp -s "$r$diverted" "$upstream" ||
		fail "rdma-core's provider is not at $diverted"
	[ "$(diversions "$r")" = "diversion of $so to $diverted by $pkg" ] ||
		fail "unexpected diversions: $(diversions "$r")"
	[ -f "$r/etc/libibverbs.d/irdma-coco.driver" ] ||
		fail "irdma-coco.driver missing"
}

# 1. rdma-core first, then us.
root=$work/root
new_root "$root"
rdpkg "$root" -i "$libc" "$verbs" "$prov1" >/dev/null
rdpkg "$root" -i "$deb" >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; fail "dpkg -i $deb"; }
check_taken_over "$root"
cmp -s "$root/etc/libibverbs.d/irdma.driver" "$work/irdma.driver" ||
	fail "rdma-core's irdma.driver was touched"
ok "installed over ibverbs-providers: $so diverted to $diverted"

# 2. An ibverbs-providers upgrade writes to the diverted name only.
rm "$root$diverted"
rdpkg "$root" -i "$prov2" >/dev/null
check_taken_over "$root"
ok "ibverbs-providers upgrade landed on $diverted; our provider untouched"

# 3. Upgrading ourselves keeps exactly one diversion. The newer version is
# this package with a higher version number.
version=$(dpkg-deb -f "$deb" Version)
rm -rf "$work/next"
dpkg-deb -R "$deb" "$work/next"
sed -i "s/^Version: .*/Version: $version+next1/" "$work/next/DEBIAN/control"
dpkg-deb --root-owner-group -b "$work/next" "$work/next.deb" >/dev/null
rdpkg "$root" -i "$work/next.deb" >/dev/null
check_taken_over "$root"
[ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' "$pkg")" = \
	"$version+next1" ] || fail "upgrade to $version+next1 did not happen"
ok "upgrade to $version+next1 keeps the takeover"

# 3b. A version built for another PABI diverted another name; the upgrade
# (postinst) gives that one back. Simulated: such a diversion by us, with
# rdma-core's file at the diverted name and ours gone.
old_so=$libdir/libirdma-rdmav$((pabi - 1)).so
printf 'older rdma-core provider\n' >"$root$old_so.rdma-core"
dpkg-divert --root="$root" --package "$pkg" --add --no-rename \
	--divert "$old_so.rdma-core" \
	"$old_so" >/dev/null
rdpkg "$root" -i "$work/next.deb" >/dev/null
[ -z "$(dpkg-divert --root="$root" --list "$old_so")" ] ||
	fail "stale diversion of $old_so kept"
grep -q 'older rdma-core provider' "$root$old_so" ||
	fail "$old_so not given back"
rm -f "$root$old_so"
check_taken_over "$root"
ok "stale diversion of another PABI released on upgrade"

# 4. Removal gives the path back.
rm -rf "$work/removed"
cp -a "$root" "$work/removed"
rdpkg "$work/removed" -r "$pkg" >/dev/null
cmp -s "$work/removed$so" "$upstream" ||
	fail "after removal $so is not rdma-core's provider"
[ ! -e "$work/removed$diverted" ] || fail "$diverted left after removal"
[ -z "$(diversions "$work/removed")" ] || fail "diversion left after removal"
rdpkg "$work/removed" -P "$pkg" >/dev/null
[ ! -e "$work/removed/etc/libibverbs.d/irdma-coco.driver" ] ||
	fail "irdma-coco.driver left after purge"
ok "remove + purge restore rdma-core's provider and drop the diversion"

# 5. Us first, rdma-core's providers later.
r2=$work/root-usfirst
new_root "$r2"
rdpkg "$r2" -i "$libc" "$verbs" >/dev/null
rdpkg "$r2" -i "$deb" >/dev/null
[ ! -e "$r2$diverted" ] || fail "$diverted exists without ibverbs-providers"
rdpkg "$r2" -i "$prov1" >/dev/null
check_taken_over "$r2"
ok "ibverbs-providers installed after us goes to $diverted"

# 6. Another PABI: dpkg must refuse.
for v in "$verbs_old" "$verbs_new"; do
	r3=$work/root-pabi
	rm -rf "$r3"
	new_root "$r3"
	rdpkg "$r3" -i "$libc" "$v" >/dev/null
	if rdpkg "$r3" -i "$deb" >"$work/pabi.log" 2>&1; then
		fail "installed with $(basename "$v")"
	fi
	grep -q "depends on libibverbs1" "$work/pabi.log" ||
		{ cat "$work/pabi.log"; fail "refused, but not for libibverbs1"; }
	[ ! -e "$r3$so" ] || fail "$so unpacked although refused"
	ok "refused with $(basename "$v" .deb) (PABI $pabi only)"
done
# 7. The machine's own apt, simulating: the distribution's libibverbs1 (on
# Debian 12: rdma-core 44) is not the one the package was built for.
sys_verbs=$(apt-cache policy libibverbs1 2>/dev/null |
	sed -n 's/^ *Candidate: //p')
pabi_match() {
	dpkg --compare-versions "$1" ge "$pabi~" &&
		dpkg --compare-versions "$1" lt "$((pabi + 1))~"
}
if [ -z "$sys_verbs" ] || [ "$sys_verbs" = "(none)" ]; then
	echo "skip: apt knows no libibverbs1 here"
elif pabi_match "$sys_verbs"; then
	echo "skip: this system's libibverbs1 $sys_verbs has PABI $pabi"
else
	if apt-get install -s "$deb" >"$work/apt.log" 2>&1; then
		cat "$work/apt.log"
		fail "apt would install it with libibverbs1 $sys_verbs"
	fi
	grep -q "Depends: libibverbs1" "$work/apt.log" ||
		{ cat "$work/apt.log"; fail "apt refused, but not for libibverbs1"; }
	ok "apt refuses it with this system's libibverbs1 $sys_verbs"
fi
echo "PASS: deb install/upgrade/remove in scratch roots (PABI $pabi, ${SECONDS} s)"
