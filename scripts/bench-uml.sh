#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench's second opinion: msgport's single-CPU benchmarks (M1
# same-CPU, M3) in UML, where kernel code runs natively instead of under
# TCG.  The benchmark is built into a UML kernel (CONFIG_MSGPORT_BENCH,
# runs at boot) made by kunit.py from the tree scripts/kunit.sh prepares,
# in build/kunit-um-bench (started from a copy of build/kunit-um, so the
# build is incremental); booted BENCH_UML_BOOTS times (default 10), every
# boot one repetition, with one KUnit case so that kunit.py has a result.
# Prints the boots' RESULT lines, each boot after a "bench: ROUND k".
#
# Usage: scripts/bench-uml.sh [--smoke]   (--smoke: one small boot)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
boots=${BENCH_UML_BOOTS:-10}
args="msgport_bench.only=M1,M3 msgport_bench.m1_mean=1 msgport_bench.iters=2000 msgport_bench.reps=5"
if [ "${1:-}" = --smoke ]; then
	boots=1
	args="msgport_bench.only=M1,M3 msgport_bench.m1_mean=1 msgport_bench.iters=50 msgport_bench.reps=1"
fi
bash "$root/scripts/kunit.sh" --prepare-only
src=$root/build/linux-6.12
dir=$root/build/kunit-um-bench
[ -d "$dir" ] || [ ! -d "$root/build/kunit-um" ] || cp -a "$root/build/kunit-um" "$dir"
cfg=$root/build/kunit-um-bench.kunitconfig
{ cat "$root/kunit/.kunitconfig"; echo CONFIG_MSGPORT_BENCH=y; } >"$cfg"
for k in $(seq 1 "$boots"); do
	log=$dir/bench-$k.log
	# The first boot builds the kernel; the others only boot it.
	if [ "$k" -eq 1 ]; then
		cmd=run
	else
		cmd=exec
	fi
	python3 "$src/tools/testing/kunit/kunit.py" $cmd --arch=um \
		--build_dir="$dir" --kunitconfig="$cfg" \
		--kconfig_add CONFIG_UML_PCI_OVER_VIRTIO=n \
		$([ $cmd = exec ] || echo --jobs="$(nproc)") \
		--timeout=600 --raw_output=all --kernel_args="$args" \
		'msgport.msgport_test_initmsg' >"$log" 2>&1 || {
		tail -30 "$log"
		exit 1
	}
	echo "bench: ROUND $k"
	grep -E 'msgport_bench: (RESULT|DONE)' "$log" | sed 's/^.*msgport_bench:/msgport_bench:/'
	grep -q 'msgport_bench: DONE 0' "$log" || { tail -30 "$log"; exit 1; }
done
