#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# check-boundaries.sh EMU_DIR TESTS_DIR [OBJECT_LIST...]
#
# The emulator's folders (platform/, kernel/, device/) meet only through
# one contract header each. This fails, naming the file and line, when
#  - a file includes another folder's header other than its contract, or
#    its own folder's header by a path (own headers go by bare name, other
#    folders' as "folder/header.h"), or a bare name its folder lacks;
#  - a test under TESTS_DIR includes an emulator header but a contract;
#  - with OBJECT_LIST (files naming the objects of the emulator's
#    targets, one per line): an object calls a function of another folder
#    that neither folder's contract declares (platform.h also declares
#    what the platform calls in the kernel model). Emulator functions are
#    emu_*, hw_* and fabric_*; the other names the platform defines are
#    the libc functions it interposes, which anyone may call.
set -u

emu=$1
tests=$2
shift 2
folders="platform kernel device"
fail=0

contract() {
	case $1 in
	platform) echo platform.h ;;
	kernel) echo kernel.h ;;
	device) echo hw.h ;;
	esac
}

is_folder() {
	case " $folders " in *" $1 "*) return 0 ;; esac
	return 1
}

bad() {
	echo "check-boundaries: $*" >&2
	fail=1
}

# "FILE LINE NAME" for every #include "NAME" in the files named on stdin.
quoted_includes() {
	xargs -r awk '/^[[:space:]]*#[[:space:]]*include[[:space:]]*"/ {
		n = $0
		sub(/^[^"]*"/, "", n)
		sub(/".*/, "", n)
		print FILENAME, FNR, n
	}'
}

# An include in FILE (of folder OWN, "" outside the emulator) of NAME.
check_include() {
	own=$1 file=$2 line=$3 name=$4
	case $name in
	*../* | ../*)
		bad "$file:$line: \"$name\": no relative paths"
		return ;;
	*/*) ;;
	*)
		[ -z "$own" ] || [ "$own" = tools ] || [ -f "$emu/$own/$name" ] ||
			bad "$file:$line: \"$name\" is not a header of $own/"
		return ;;
	esac
	top=${name%%/*}
	rest=${name#*/}
	is_folder "$top" || return 0
	if [ "$top" = "$own" ]; then
		bad "$file:$line: \"$name\": include $own/'s headers by name"
	elif [ "$rest" != "$(contract "$top")" ]; then
		bad "$file:$line: \"$name\" is private to $top/;" \
			"use \"$top/$(contract "$top")\""
	fi
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Emulator sources must all live in a folder.
for f in "$emu"/*.[ch]; do
	[ -f "$f" ] && bad "$f: outside platform/, kernel/, device/, tools/"
done
for d in $folders tools; do
	ls "$emu/$d"/*.[ch] 2>/dev/null | quoted_includes >"$tmp/inc"
	while read -r file line name; do
		check_include "$d" "$file" "$line" "$name"
	done <"$tmp/inc"
done
# Tests reach the emulator through contracts too.
find "$tests" -name '*.[ch]' ! -path "$emu/*" | sort | quoted_includes \
	>"$tmp/inc"
while read -r file line name; do
	check_include "" "$file" "$line" "$name"
done <"$tmp/inc"

# Does folder $2's contract declare function $1? (tools/ has none.)
declared() {
	is_folder "$2" &&
		grep -Eq "(^|[^A-Za-z0-9_])$1[[:space:]]*\(" \
			"$emu/$2/$(contract "$2")"
}

# Which folder an object belongs to, from its path (.../<folder>/x.c.o).
folder_of() {
	for d in $folders tools; do
		case $1 in */"$d"/*) echo "$d"; return ;; esac
	done
}

if [ $# -gt 0 ]; then
	cat "$@" | sort -u | while read -r o; do
		d=$(folder_of "$o")
		[ -n "$d" ] || { echo "?unknown $o"; continue; }
		nm -g --defined-only "$o" | awk -v d="$d" '{ print "D", $3, d }'
		nm -u "$o" | awk -v d="$d" -v o="${o##*/}" \
			'{ print "U", $2, d, o }'
	done >"$tmp/syms"
	if grep '^?unknown' "$tmp/syms" >&2; then
		bad "objects outside the emulator's folders"
	fi
	[ -s "$tmp/syms" ] || bad "no symbols read from $*"
	# "FOLDER SYMBOL USER_FOLDER OBJECT" for each call across folders.
	awk '$1 == "D" { def[$2] = $3; next }
	     $1 == "U" && ($2 in def) && def[$2] != $3 &&
	     $2 ~ /^(emu|hw|fabric)_/ { print def[$2], $2, $3, $4 }' \
		"$tmp/syms" "$tmp/syms" | sort -u >"$tmp/cross"
	while read -r d sym user obj; do
		declared "$sym" "$d" || declared "$sym" "$user" ||
			bad "$user/$obj calls $sym of $d/, which neither" \
				"$d/$(contract "$d") nor $user/'s contract declares"
	done <"$tmp/cross"
	[ -s "$tmp/cross" ] || bad "no calls across folders found: wrong objects?"
fi

[ $fail = 0 ] && echo "check-boundaries: platform/, kernel/, device/ meet only through platform.h, kernel.h, hw.h"
exit $fail
