#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build checks: the modules build with W=1 and no warning against Debian's
# 6.12 headers, its PREEMPT_RT flavour's, Debian 12's 6.1 headers and the
# 7.2 kernel built from sid's linux-source-7.2 (scripts/debug-kernel.sh
# --kernel 7.2: built on first use, then cached).  Each build runs in a
# scratch copy so the work tree's objects are left alone.
# Prints "build: N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/buildcheck
pass=0 fail=0

# one NAME KDIR: build a copy of the tree against KDIR with W=1.
one() {
	local name=$1 kdir=$2 dir=$out/$1 log=$out/$1.log
	if [ ! -d "$kdir" ]; then
		echo "not ok - build: $name (no headers at '$kdir')"
		fail=$((fail + 1))
		return
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$root" && git ls-files -co --exclude-standard | grep -v '^build/' |
		tar -cf - -T -) | tar -C "$dir" -xf -
	if make -C "$kdir" M="$dir" W=1 modules >"$log" 2>&1 &&
	   ! grep -E 'warning:|WARNING:' "$log" >/dev/null; then
		echo "ok - build: $name, W=1, no warnings"
		pass=$((pass + 1))
	else
		echo "not ok - build: $name"
		grep -E 'error|warning|WARNING' "$log" | head -20 | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
}

mkdir -p "$out"
one linux-6.12 "$(bash "$root/scripts/kdir.sh" 6.12)"
one linux-6.12-rt "$(bash "$root/scripts/kdir.sh" rt)"
one linux-6.1 "$(bash "$root/scripts/kdir.sh" 6.1)"
one linux-7.2 "$(bash "$root/scripts/debug-kernel.sh" --kernel 7.2 || true)"
echo "build: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
