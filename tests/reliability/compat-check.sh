#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# compat-check.sh EMU_RUN PROBE DOC
#
# The behaviour table of docs/compatibility.md is the test's expectation:
# for every row (generation x CoCo x kernel x ring ABI) run the probe under
# the emulator configured that way and compare its cells with the row's.
# Every combination must have exactly one row, so the table can neither
# miss a case nor describe one that is not run.
set -u

emu_run=$1 probe=$2 doc=$3
rows=$(sed -n '/<!-- compat-table-begin -->/,/<!-- compat-table-end -->/p' \
	"$doc" | grep '^| [0-9]')
[ -n "$rows" ] || { echo "no behaviour table in $doc" >&2; exit 1; }

n=0 bad=0 seen=
while IFS= read -r row; do
	# | gen | CoCo | kernel | ring ABI | cells... |
	gen=$(echo "$row" | cut -d'|' -f2 | tr -d ' ')
	coco=$(echo "$row" | cut -d'|' -f3 | tr -d ' ')
	kernel=$(echo "$row" | cut -d'|' -f4 | sed 's/^ *//; s/ *$//')
	abi=$(echo "$row" | cut -d'|' -f5 | tr -d ' ')
	want=$(echo "$row" | cut -d'|' -f6- | sed 's/  */ /g')
	set -- --gen "$gen"
	case $coco in
	on) set -- "$@" --cc ;;
	off) ;;
	*) echo "row '$row': CoCo must be on or off" >&2; exit 1 ;;
	esac
	case $kernel in
	7.2 | old) set -- "$@" --kernel "$kernel" ;;
	"7.2, ABI 4" | "old, ABI 4")
		set -- "$@" --kernel "${kernel%%,*}" \
			--fail cmd:1:EINVAL,cmd:2:EINVAL ;;
	*) echo "row '$row': unknown kernel '$kernel'" >&2; exit 1 ;;
	esac
	case $kernel/$abi in
	*/none | */write-ext | 7.2*/dmabuf-mr | 7.2*/umem)
		set -- "$@" --ring-abi "$abi" ;;
	*) echo "row '$row': no ring ABI '$abi' on kernel $kernel" >&2
		exit 1 ;;
	esac
	key="$gen/$coco/$kernel/$abi"
	case "$seen" in *"[$key]"*)
		echo "duplicate row for $key" >&2; exit 1 ;;
	esac
	seen="$seen[$key]"
	got=$("$emu_run" "$@" -- env IRDMA_EMU_LEAK_CHECK=1 "$probe" |
		sed 's/^| *//; s/  */ /g')
	want=$(echo "$want" | sed 's/^ *//')
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok   gen $gen, CoCo $coco, kernel $kernel, ring ABI $abi"
	else
		echo "DIFF gen $gen, CoCo $coco, kernel $kernel, ring ABI $abi"
		echo "  table: $want"
		echo "  found: $got"
		bad=$((bad + 1))
	fi
done <<ROWS
$rows
ROWS

# 3 generations x CoCo on/off x (7.2 x 4 ring ABIs + old x 2 + ABI 4 on
# both kernels)
[ "$n" -eq 48 ] || { echo "the table has $n rows, want 48" >&2; exit 1; }
echo "compat-check: $n configurations, $bad differ from $doc"
[ "$bad" -eq 0 ]
