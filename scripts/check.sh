#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every suite, then one closing line "check: N passed, N failed".
#   - KUnit under UML;
#   - KUnit on x86_64 (qemu TCG, -smp 2, lockdep) for cross-CPU and hotplug;
#   - KUnit under UML again, in a 7.2 kernel with 7.2's kunit.py;
#   - the VM suite on Debian's 6.12 kernel, then on a debug kernel (KASAN,
#     lockdep, kmemleak, ...; built once and cached, scripts/debug-kernel.sh),
#     then on Debian's PREEMPT_RT 6.12;
#   - module signing: the debug kernel, booted with module.sig_enforce=1,
#     trusting a key made for the run (scripts/vm.sh --sign);
#   - installation: make install/uninstall/dist/sign under build/
#     (scripts/install-check.sh), and dkms build for 6.12 and 6.1 in a
#     private dkms tree (scripts/dkms-check.sh);
#   - the VM suite on Debian 12's 6.1 (no syslet workers there: REGISTER
#     must fail with EOPNOTSUPP) and on Linux 7.2 (built from sid's
#     linux-source-7.2 once and cached, scripts/debug-kernel.sh --kernel 7.2);
#   - a smoke run of the benchmarks (one small repetition, with the
#     instruction counter and the UML run), and the tests of the report
#     code on fixed input (scripts/bench_report_test.py), and of the
#     log check's text-patching race (scripts/logcheck_test.py);
#   - the documentation: Sphinx and kernel-doc -Wall without warnings;
#     the io_uring coverage table is what scripts/coverage.py generates,
#     and every native op has a row in the op table test.
#   - the mutation catalogue still applies to the code (scripts/mutate.sh
#     --verify; the mutation run itself is `make mutate`, too slow here).
# Exits non-zero if any test failed or any suite did not run to the end.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p build

pass=0 fail=0
failures=$(mktemp)
trap 'rm -f "$failures"' EXIT

# suite NAME CMD...: run CMD, echo its output, add the counts of its
# "NAME: N passed, N failed" lines.
suite() {
	local name=$1 out rc p f
	shift
	echo "=== $name"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(sed -nE 's/^[a-z0-9_.-]+: ([0-9]+) passed, ([0-9]+) failed.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	f=$(sed -nE 's/^[a-z0-9_.-]+: ([0-9]+) passed, ([0-9]+) failed.*/\2/p' "$out" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$name: exited with $rc without a failure count"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	# Keep what failed for the summary above the closing line, so that a
	# log cut to its tail still says which test it was.
	if [ "$f" -ne 0 ]; then
		{
			echo "$name:"
			grep -E 'not ok|FAILED|CRASHED|BUG:|WARNING:|Oops|lockdep|KASAN|kmemleak|exited with|[1-9][0-9]* failed|FAIL' "$out" |
				grep -v ' 0 failed' | tail -n 20 | sed 's/^/  /'
		} >>"$failures"
	fi
	rm -f "$out"
}

start=$(date +%s)
suite mutate-catalogue bash scripts/mutate.sh --verify
suite build bash scripts/build.sh
suite docs bash scripts/docs.sh
suite coverage python3 scripts/coverage.py --check
suite kunit bash scripts/kunit.sh um x86_64
suite kunit-7.2 bash scripts/kunit.sh --series 7.2 um
suite vm bash scripts/vm.sh
suite vm-debug bash scripts/vm.sh --debug
suite vm-6.1 bash scripts/vm.sh --kernel 6.1
suite vm-7.2 bash scripts/vm.sh --kernel 7.2
suite vm-rt bash scripts/vm.sh --kernel rt
suite vm-sign bash scripts/vm.sh --sign
suite install bash scripts/install-check.sh
suite dkms bash scripts/dkms-check.sh
suite bench-report python3 scripts/bench_report_test.py
suite logcheck python3 scripts/logcheck_test.py
suite bench bash scripts/bench.sh --smoke
echo "=== done in $(($(date +%s) - start)) s"
if [ -s "$failures" ]; then
	echo "=== what failed"
	cat "$failures"
fi
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
