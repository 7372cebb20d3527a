#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the KUnit suites in kernels built by kunit.py from linux-source-6.12:
#   1. UML (one CPU);
#   2. x86_64 under qemu (TCG) with -smp 2, lockdep and KASAN, for the
#      cross-CPU and CPU hotplug cases.
# The source is unpacked once into build/linux-6.12 and the project is
# grafted into it as drivers/msgport (symlinks, idempotent).  Build
# directories stay under build/ so reruns are incremental.
# --series 7.2 does the same with sid's linux-source-7.2 (unpacked by
# scripts/deps.sh under /var/cache/msgport-sid) and its own kunit.py, in
# build/linux-7.2 and build/kunit-7.2-<arch>, printing "kunit-7.2-<arch>".
#
# Usage: scripts/kunit.sh [--series 7.2] [--prepare-only] [um|x86_64]...
# Prints one "kunit-<arch>: N passed, N failed, N skipped" line per run and
# exits non-zero if any test failed or a run did not complete.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
series=6.12
tag=
if [ "${1:-}" = --series ]; then
	series=${2:?--series needs a kernel series}
	shift 2
fi
case $series in
6.12) tarballs="/usr/src/linux-source-6.12.tar.*" ;;
7.2)
	tarballs="/var/cache/msgport-sid/linux-source-7.2/usr/src/linux-source-7.2.tar.*"
	tag=7.2- ;;
*)
	echo "kunit.sh: unknown series $series" >&2
	exit 2 ;;
esac
src=$root/build/linux-$series
jobs=$(nproc)

prepare() {
	if [ ! -f "$src/Makefile" ]; then
		local tarball
		# shellcheck disable=SC2086
		tarball=$(ls $tarballs 2>/dev/null | head -1)
		[ -n "$tarball" ] || {
			echo "kunit.sh: no linux-source-$series; run scripts/deps.sh" >&2
			exit 1
		}
		rm -rf "$root/build/.unpack-$series"
		mkdir -p "$root/build/.unpack-$series"
		tar -C "$root/build/.unpack-$series" -xf "$tarball"
		mv "$root/build/.unpack-$series/linux-source-$series" "$src"
		rmdir "$root/build/.unpack-$series"
	fi
	# Graft: symlinks to the project's pieces, not to its root, so that
	# nothing walking the kernel tree can loop into build/.
	mkdir -p "$src/drivers/msgport"
	local f
	for f in Kbuild Kconfig include msgport syslet upcall kunit; do
		ln -sfn "$root/$f" "$src/drivers/msgport/$f"
	done
	grep -q 'drivers/msgport/Kconfig' "$src/drivers/Kconfig" ||
		sed -i '$ s|^endmenu$|source "drivers/msgport/Kconfig"\n\nendmenu|' \
			"$src/drivers/Kconfig"
	grep -q 'drivers/msgport/Kconfig' "$src/drivers/Kconfig" || {
		echo "kunit.sh: could not graft into drivers/Kconfig" >&2
		exit 1
	}
	grep -q 'msgport/' "$src/drivers/Makefile" ||
		echo 'obj-$(CONFIG_MSGPORT)		+= msgport/' >> "$src/drivers/Makefile"
}

# run ARCH LOG [kunit.py args...]
run() {
	local arch=$1 log=$2
	shift 2
	rm -f "$root/build/kunit-$tag$arch/test.log"
	set +e
	python3 "$src/tools/testing/kunit/kunit.py" run \
		--arch="$arch" \
		--build_dir="$root/build/kunit-$tag$arch" \
		--kunitconfig="$root/kunit/.kunitconfig" \
		--jobs="$jobs" "$@" >"$log" 2>&1
	local rc=$?
	set -e
	grep -E '^\[[0-9:]+\] (=|\[|Testing complete|Elapsed)|FAILED|CRASHED|BUG:|WARNING:|lockdep|possible (recursive|circular)' "$log" |
		grep -vE '\[PASSED\]|\[SKIPPED\]' | tail -40 || true
	# "Testing complete. Ran 40 tests: passed: 38, skipped: 2"
	local line p f s
	line=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$log" | tail -1)
	p=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<<"$line")
	f=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<<"$line")
	s=$(sed -nE 's/.*skipped: ([0-9]+).*/\1/p' <<<"$line")
	local c
	c=$(sed -nE 's/.*crashed: ([0-9]+).*/\1/p' <<<"$line")
	p=${p:-0} f=$(( ${f:-0} + ${c:-0} )) s=${s:-0}
	# A kernel report is a failure even when every case passed.
	if ! python3 "$root/scripts/logcheck.py" "$root/build/kunit-$tag$arch/test.log" "kunit-$tag$arch"; then
		echo "kunit-$tag$arch: the kernel log shows a report (see build/kunit-$tag$arch/test.log)"
		f=$((f + 1))
	fi
	if [ -z "$line" ] || [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "kunit-$tag$arch: run did not complete (rc=$rc, see $log)"
		f=$((f + 1))
	fi
	echo "kunit-$tag$arch: $p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
}

prepare
[ "${1:-}" = --prepare-only ] && exit 0

arches=("$@")
[ ${#arches[@]} -eq 0 ] && arches=(um x86_64)
mkdir -p "$root/build"
status=0
for arch in "${arches[@]}"; do
	case $arch in
	um)
		run um "$root/build/kunit-${tag}um.log" --timeout=600 \
			--kconfig_add CONFIG_UML_PCI_OVER_VIRTIO=n || status=1 ;;
	x86_64)
		# no_timer_check: a loaded TCG host can miss the IO-APIC timer
		# check at boot and panic before any test runs.
		run x86_64 "$root/build/kunit-${tag}x86_64.log" --timeout=1200 \
			--qemu_args='-smp 2' \
			--kernel_args=no_timer_check \
			--kconfig_add CONFIG_KASAN=y \
			--kconfig_add CONFIG_KASAN_GENERIC=y \
			--kconfig_add CONFIG_SMP=y \
			--kconfig_add CONFIG_DEBUG_KERNEL=y \
			--kconfig_add CONFIG_HOTPLUG_CPU=y \
			--kconfig_add CONFIG_PROVE_LOCKING=y \
			--kconfig_add CONFIG_DEBUG_ATOMIC_SLEEP=y \
			--kconfig_add CONFIG_DEBUG_OBJECTS=y \
			--kconfig_add CONFIG_DEBUG_OBJECTS_WORK=y \
			--kconfig_add CONFIG_DEBUG_LIST=y || status=1 ;;
	*)
		echo "kunit.sh: unknown arch $arch" >&2
		exit 2 ;;
	esac
done
exit $status
