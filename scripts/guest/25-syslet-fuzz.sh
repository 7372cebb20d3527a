# SPDX-License-Identifier: GPL-2.0
# syslet under hostile input: tools/tests/syslet_fuzz.c, random chains
# with a fixed seed (many more iterations with stress=1 on the kernel
# command line), then the modules must unload: no context left open.
M=/lib/msgport
FUZZ_SEED=20070213
FUZZ_ITERS=600
FUZZ_TIMEOUT=300
if grep -q 'stress=1' /proc/cmdline; then
	FUZZ_ITERS=20000
	FUZZ_TIMEOUT=14400
fi

test_fuzz_load() {
	insmod $M/msgport.ko
	insmod $M/syslet.ko
	[ -c /dev/syslet ] || fail "no /dev/syslet"
}

test_fuzz() {
	rc=0
	timeout $FUZZ_TIMEOUT syslet_fuzz $FUZZ_SEED $FUZZ_ITERS >/tmp/fuzz.log 2>&1 || rc=$?
	cat /tmp/fuzz.log
	[ $rc -eq 0 ] || fail "syslet_fuzz exited with $rc"
}

test_fuzz_unload() {
	rmmod syslet
	rmmod msgport
	[ ! -e /dev/syslet ] || fail "/dev/syslet left behind"
}

t "syslet: insmod for the fuzzer" test_fuzz_load
if no_workers; then
	echo "ok - syslet: fuzz # SKIP $NO_WORKERS"
	: >/tmp/fuzz.log
else
	t "syslet: fuzz, seed $FUZZ_SEED, $FUZZ_ITERS iterations" test_fuzz
fi
# The figures of a run that passed (a failed one shows its log above).
grep -q "^syslet_fuzz: ok" /tmp/fuzz.log &&
	grep "^syslet_fuzz: " /tmp/fuzz.log | sed "s/^/#   /"
t "syslet: rmmod after the fuzzer" test_fuzz_unload
