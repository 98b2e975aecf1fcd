#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# lintian.sh DEBDIR: lintian on the .changes of a binary build; any error or
# warning that debian/*.lintian-overrides does not override (each override
# says why) fails.
set -euo pipefail

changes=$(ls "${1:?usage: lintian.sh DEBDIR}"/*.changes)
lintian --fail-on error,warning --display-info "$changes"
# For the log: what the overrides hide (--show-overrides would count them).
lintian --show-overrides "$changes" | grep '^[NO]:' || true
echo "PASS: lintian $changes"
