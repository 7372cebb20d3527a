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
#
# Usage: scripts/kunit.sh [--prepare-only] [um|x86_64]...
# Prints one "kunit-<arch>: N passed, N failed, N skipped" line per run and
# exits non-zero if any test failed or a run did not complete.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/build/linux-6.12
jobs=$(nproc)

prepare() {
	if [ ! -f "$src/Makefile" ]; then
		local tarball
		tarball=$(ls /usr/src/linux-source-6.12.tar.* | head -1)
		mkdir -p "$root/build/.unpack"
		tar -C "$root/build/.unpack" -xf "$tarball"
		mv "$root/build/.unpack/linux-source-6.12" "$src"
		rmdir "$root/build/.unpack"
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
	rm -f "$root/build/kunit-$arch/test.log"
	set +e
	python3 "$src/tools/testing/kunit/kunit.py" run \
		--arch="$arch" \
		--build_dir="$root/build/kunit-$arch" \
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
	if ! python3 "$root/scripts/logcheck.py" "$root/build/kunit-$arch/test.log" "kunit-$arch"; then
		echo "kunit-$arch: the kernel log shows a report (see build/kunit-$arch/test.log)"
		f=$((f + 1))
	fi
	if [ -z "$line" ] || [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "kunit-$arch: run did not complete (rc=$rc, see $log)"
		f=$((f + 1))
	fi
	echo "kunit-$arch: $p passed, $f failed, $s skipped"
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
		run um "$root/build/kunit-um.log" --timeout=600 \
			--kconfig_add CONFIG_UML_PCI_OVER_VIRTIO=n || status=1 ;;
	x86_64)
		# no_timer_check: a loaded TCG host can miss the IO-APIC timer
		# check at boot and panic before any test runs.
		run x86_64 "$root/build/kunit-x86_64.log" --timeout=1200 \
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
