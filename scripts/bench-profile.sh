#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Profile syslet benchmarks by instructions: one bench boot (one round)
# with tools/bench/icount.c counting per translation block, then
# scripts/bench-profile.py prints, per figure, the instructions per
# operation of the heaviest functions (build/profile/report.txt).
#
# Usage: scripts/bench-profile.sh S4[,S2...] [bench-profile.py options]
#
# BENCH_PROFILE_ARGS=percpu=1,cpu=1,blocks=1 adds icount.c's options (per
# vCPU totals, one vCPU's blocks only, block executions rather than
# instructions); with BENCH_PIN=1 (S5's server on CPU 1, its client on
# CPU 0) and BENCH_SYSLET_ARGS=spin_ns=0 (no idle spin in the counts),
# "which side costs what" of S5.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
only=${1:?usage: bench-profile.sh S4[,S2...] [--only TEXT] [--top N]}
shift
p=$root/build/profile
mkdir -p "$p"
qinc=$(dirname "$(ls /var/cache/msgport-qemu/qemu-*/include/qemu/qemu-plugin.h 2>/dev/null | head -1)")
[ -f "$qinc/qemu-plugin.h" ] || { echo "bench-profile: no qemu-plugin.h; run scripts/deps.sh" >&2; exit 1; }
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -Wno-unused-parameter -I"$qinc" \
	-o "$p/icount.so" "$root/tools/bench/icount.c"
BENCH_ONLY=$only BENCH_ROUNDS=1 \
	VM_ICOUNT="$p/icount.so,out=$p/icount.txt,profile=$p/profile.txt${BENCH_PROFILE_ARGS:+,$BENCH_PROFILE_ARGS}" \
	bash "$root/scripts/vm.sh" --bench >"$p/boot.out" 2>&1 || {
	tail -20 "$p/boot.out"
	exit 1
}
unit=instructions
case ${BENCH_PROFILE_ARGS:-} in *blocks=1*) unit=blocks ;; esac
python3 "$root/scripts/bench-profile.py" "$p/boot.out" "$p/profile.txt" --unit $unit "$@" |
	tee "$p/report.txt"
