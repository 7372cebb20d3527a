#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make docs: render Documentation/ with Sphinx and the kernel's kernel-doc
# extension into build/html, then run `kernel-doc -Wall` over every kernel
# source file.  The kernel-doc script and extension come from
# linux-source-6.12, unpacked into build/linux-6.12 by
# `scripts/kunit.sh --prepare-only` (shared with the KUnit runs).
#
# The manual pages syslet(4), upcall(4) and msgport(9) are the same
# documents through Sphinx's man builder (Documentation/conf.py,
# man_pages), into build/man.
#
# Prints "docs: N passed, N failed": one pass for each Sphinx build (HTML,
# man) without any warning (its own or kernel-doc's), and one failure per
# kernel-doc -Wall warning.  Exits non-zero on any failure.
#
# Usage: scripts/docs.sh [--man]   (--man: only the manual pages, for
# `make man` and `make install`)
set -uo pipefail

manonly=0
[ "${1:-}" = --man ] && manonly=1

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
src=build/linux-6.12
out=build/html
pass=0 fail=0

if ! command -v sphinx-build >/dev/null; then
	echo "docs: sphinx-build missing: run 'make deps' (python3-sphinx)"
	echo "docs: 0 passed, 1 failed"
	exit 1
fi
if [ ! -x "$src/scripts/kernel-doc" ] ||
   [ ! -f "$src/Documentation/sphinx/kerneldoc.py" ]; then
	if ! bash scripts/kunit.sh --prepare-only; then
		echo "docs: no kernel source in $src: run 'make deps' (linux-source-6.12)"
		echo "docs: 0 passed, 1 failed"
		exit 1
	fi
fi

# Sphinx: -W turns its warnings into an error; kernel-doc's own warnings
# reach stderr only, so the log is searched for them as well.
mkdir -p build

# sphinx NAME BUILDER OUT: one Sphinx build, judged as described above.
sphinx() {
	local log=build/docs-$1.log
	rm -rf "build/doctrees-$1"
	if sphinx-build -q -b "$2" -W --keep-going -d "build/doctrees-$1" \
		Documentation "$3" >"$log" 2>&1 &&
	   ! grep -qiE 'warning|error' "$log"; then
		echo "ok - docs: Sphinx built $3 ($1) without warnings"
		pass=$((pass + 1))
	else
		echo "not ok - docs: Sphinx $1 (see $log)"
		grep -iE 'warning|error' "$log" | head -40 | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
}

if [ $manonly -eq 1 ]; then
	rm -rf build/man
	sphinx man man build/man
	echo "docs: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi
sphinx html html "$out"
sphinx man man build/man

# kernel-doc -Wall over the kernel sources (tools/ is user space).
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -vE '^(build|tools)/')
kd=$(perl "$src/scripts/kernel-doc" -Wall -none "${files[@]}" 2>&1)
n=$(grep -c 'warning:' <<<"$kd")
if [ "$n" -eq 0 ]; then
	echo "ok - docs: kernel-doc -Wall, ${#files[@]} files, no warnings"
else
	echo "not ok - docs: kernel-doc -Wall: $n warnings"
	grep 'warning:' <<<"$kd" | head -40 | sed 's/^/#   /'
	fail=$((fail + n))
fi

echo "docs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
