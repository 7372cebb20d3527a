#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot the test VM once (-smp 2), run the benchmarks side by
# side, print one table per benchmark with ratios to the baseline, and
# write build/bench.json.  The VM runs under TCG: absolute times are
# emulated, the ratios are what matter.
#
# Usage: scripts/bench.sh [--smoke] [--ab REV]
#   --smoke  one small repetition: checks that the bench code runs;
#            prints "bench: N passed, N failed" (part of make check).
#   --ab REV also run the syslet benchmarks with syslet.ko built from git
#            revision REV and with this tree's, in turns in the same boot
#            (rows "syslet@A1", "syslet@B1", "syslet@A2", "syslet@B2"),
#            before the usual run (e.g. `make bench AB=HEAD~3`).
#   --only S2,S4  only these syslet benchmarks (msgport's all run); the
#            run then reports itself incomplete.
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

set +e
bash "$root/scripts/vm.sh" --bench "${smoke[@]}" >"$out" 2>&1
rc=$?
set -e

python3 - "$out" "$root/build/bench.json" "${smoke[@]}" "$rc" <<'PY'
import json, sys

out, js = sys.argv[1], sys.argv[2]
smoke = '--smoke' in sys.argv
rc = int(sys.argv[-1])
rows = []
dones = {}
for line in open(out, errors='replace'):
    for prog in ('msgport_bench', 'syslet_bench', 'fio_bench'):
        if prog + ': DONE' in line:
            dones[prog] = int(line.split()[-1])
    if not any(p + ': RESULT' in line
               for p in ('msgport_bench', 'syslet_bench', 'fio_bench')):
        continue
    f = line.split('RESULT', 1)[1].split()
    rows.append(dict(bench=f[0], case=f[1], mech=f[2], median=int(f[3]),
                     p99=int(f[4]), unit=f[5]))

# Baseline of each table and whether a larger figure is better.
tables = {
    'M1': ('round trip, ns/op (lower is better)', 'kthread_worker', False),
    'M2': ('throughput, ops/s (higher is better)', 'queue_work_on', True),
    'M3': ('synchronous putport, ns per 100 ops', 'direct_call', False),
    'S1': ('cached 4 KiB reads, ns per read', 'io_uring', False),
    'S2': ('the same, forced asynchronous, ns per read', 'io_uring', False),
    'S3': ('null operations, ns per op', 'io_uring', False),
    'S4': ('completions with 64 in flight, ops/s', 'io_uring', True),
    'S5': ('TCP echo, 16 connections, round trips/s', 'epoll', True),
    'F1': ('fio randread 4 KiB, IOPS (p99 column: lowest round)', 'io_uring', True),
    'F2': ('fio randread 4 KiB, completion latency p50/p99, ns', 'io_uring', False),
    'F3': ('fio randwrite 4 KiB, IOPS (p99 column: lowest round)', 'io_uring', True),
    'F4': ('fio randwrite 4 KiB, completion latency p50/p99, ns', 'io_uring', False),
}
result = {'vm': 'qemu TCG, -smp 2, Debian 6.12', 'smoke': smoke, 'tables': []}
for b, (title, base, higher) in tables.items():
    cases = {r['case'] for r in rows if r['bench'] == b}
    key = lambda c: int(c[2:]) if c.startswith('n=') else 0
    for case in sorted(cases, key=lambda c: (key(c), c)):
        rs = [r for r in rows if r['bench'] == b and r['case'] == case]
        bl = next((r for r in rs if r['mech'] == base), None)
        print(f'\n{b} {case}: {title}; ratio = figure / {base}')
        print(f'  {"mechanism":28} {"median":>10} {"p99":>10} {"ratio":>7}')
        for r in rs:
            r['ratio'] = round(r['median'] / bl['median'], 3) if bl else None
            ratio = f'{r["ratio"]:.2f}' if r['ratio'] is not None else '-'
            print(f'  {r["mech"]:28} {r["median"]:>10} {r["p99"]:>10} {ratio:>7}')
        result['tables'].append(dict(bench=b, case=case, baseline=base,
                                     unit=rs[0]['unit'], rows=rs))
json.dump(result, open(js, 'w'), indent=1)
print(f'\nwrote {js}')

ok = (rc == 0 and dones.get('msgport_bench') == 0 and
      dones.get('syslet_bench') == 0 and dones.get('fio_bench') == 0 and
      len(rows) >= 16 + 29 + 120)
if smoke:
    print(f'bench: {1 if ok else 0} passed, {0 if ok else 1} failed')
if not ok:
    print(f'bench: incomplete (vm rc={rc}, done={dones}, {len(rows)} results)')
    sys.exit(1)
PY
