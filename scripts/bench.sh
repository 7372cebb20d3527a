#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot the test VM (-smp 2) BENCH_BOOTS times (default 5),
# each running every benchmark BENCH_ROUNDS times in turns (default 3),
# so that every ratio has BENCH_BOOTS x BENCH_ROUNDS repetitions; then
# once more with an instruction-counting qemu plugin (tools/bench/icount.c)
# for instructions per operation, and the single-CPU msgport benchmarks
# once more in UML (scripts/bench-uml.sh).  scripts/bench_report.py prints
# one table per benchmark (median ratio to the baseline, its IQR and
# range), the verdict on every target of scripts/bench-targets.txt, and
# writes build/bench.json, build/bench.svg and the tables as
# reStructuredText, build/bench.rst (for Documentation/benchmarks.rst).
# The VM runs under TCG: absolute times are emulated, the ratios are
# what matter.
#
# Usage: scripts/bench.sh [--smoke] [--ab REV]
#   --smoke  one boot, one small round, with the plugin, and one UML run:
#            checks that the bench code runs; prints "bench: N passed,
#            N failed" (part of make check).
#   --ab REV also run the syslet benchmarks with syslet.ko built from git
#            revision REV and with this tree's, in turns in the same boot
#            (rows "syslet@A1", "syslet@B1", "syslet@A2", "syslet@B2"),
#            before the usual rounds (e.g. `make bench AB=HEAD~3`).
#   --only S2,S4  only these benchmarks (M1..M4 of msgport, S1..S5 of
#            syslet; no fio rows); the run then reports itself incomplete.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
smoke=()
ab=
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=(--smoke) ;;
	--ab) ab=$2; shift ;;
	--only) export BENCH_ONLY=$2; shift ;;
	*) echo "usage: bench.sh [--smoke] [--ab REV] [--only S2,S4]" >&2; exit 2 ;;
	esac
	shift
done
out=$root/build/bench.out
mkdir -p "$root/build"

if [ -n "$ab" ]; then
	absrc=$root/build/ab-src
	rm -rf "$absrc"
	mkdir -p "$absrc"
	git -C "$root" archive "$ab" |
		tar -x -C "$absrc"
	kdir=${KDIR:-$(bash "$root/scripts/kdir.sh")}
	make -s -C "$kdir" M="$absrc" modules >"$root/build/ab-build.log" 2>&1 || {
		cat "$root/build/ab-build.log"
		exit 1
	}
	export BENCH_AB_KO=$absrc/syslet.ko
fi

bench=$root/build/bench
rm -rf "$bench"
mkdir -p "$bench"
if [ ${#smoke[@]} -eq 1 ]; then
	boots=0
else
	boots=${BENCH_BOOTS:-5}
	export BENCH_ROUNDS=${BENCH_ROUNDS:-3}
fi
load0=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)

# The instruction counter, against the plugin header of qemu's source.
qinc=$(dirname "$(ls /var/cache/msgport-qemu/qemu-*/include/qemu/qemu-plugin.h 2>/dev/null | head -1)")
[ -f "$qinc/qemu-plugin.h" ] || { echo "bench: no qemu-plugin.h; run scripts/deps.sh" >&2; exit 1; }
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -Wno-unused-parameter -I"$qinc" \
	-o "$bench/icount.so" "$root/tools/bench/icount.c"

rcs=()
boot_outs=()
set +e
for k in $(seq 1 "$boots"); do
	echo "bench: boot $k of $boots ($BENCH_ROUNDS rounds)"
	bash "$root/scripts/vm.sh" --bench >"$bench/boot-$k.out" 2>&1
	rcs+=(--rc $?)
	boot_outs+=("$bench/boot-$k.out")
done
# The counted boot: one round (the smoke's only boot, whose times then
# also make the one repetition).
echo "bench: instruction-count boot"
BENCH_ROUNDS=1 VM_ICOUNT="$bench/icount.so,out=$bench/icount.txt" \
	bash "$root/scripts/vm.sh" --bench "${smoke[@]}" >"$bench/icount.out" 2>&1
rcs+=(--rc $?)
[ ${#smoke[@]} -eq 0 ] || boot_outs+=("$bench/icount.out")
uml=()
if [ -z "${BENCH_ONLY:-}" ]; then
	echo "bench: UML"
	bash "$root/scripts/bench-uml.sh" "${smoke[@]}" >"$bench/uml.out" 2>&1
	rcs+=(--rc $?)
	uml=(--uml "$bench/uml.out")
fi
set -e
cat "${boot_outs[@]}" >"$out"
note="$(git -C "$root" describe --always --dirty 2>/dev/null), $boots boots x ${BENCH_ROUNDS:-1} rounds, $(nproc) host CPUs, $(($(date +%s) - start)) s, load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
python3 "$root/scripts/bench_report.py" "${smoke[@]}" \
	--targets "$root/scripts/bench-targets.txt" \
	--json "$root/build/bench.json" --svg "$root/build/bench.svg" \
	--rst "$root/build/bench.rst" \
	--icount "$bench/icount.out" "$bench/icount.txt" "${uml[@]}" \
	"${rcs[@]}" --note "$note" "${boot_outs[@]}"
