# SPDX-License-Identifier: GPL-2.0
# syslet isolation in Debian's 6.12 kernel: every selftest of
# tools/tests/syslet_isolation.c (each in its own process, bounded in
# time): asynchronous chains run in worker threads of the submitting
# process, under its seccomp filter, cgroups, tty, namespaces and
# credentials, and die with it; the access parameters of the module.
#
# Runs after 20-syslet.sh has unloaded the modules and before
# 25-syslet-fuzz.sh loads them again: it loads them itself (unless
# loaded) and unloads them at the end.
#
# Needs root and, for the cgroup-* tests, cgroup2 with the cpu, memory
# and pids controllers (mounted on /sys/fs/cgroup by the tests if it is
# not; they skip if the kernel lacks it); the tests change module
# parameters and restore them.
M=/lib/msgport

test_iso_load() {
	grep -q '^msgport ' /proc/modules || insmod $M/msgport.ko
	grep -q '^syslet ' /proc/modules || insmod $M/syslet.ko
	[ -c /dev/syslet ] || fail "no /dev/syslet"
}

test_iso_unload() {
	# A killed test's last references go with its reaped processes;
	# allow a moment for them.
	i=0
	until rmmod syslet 2>/dev/null; do
		[ $i -lt 50 ] || { rmmod syslet; fail "syslet still in use"; }
		sleep 0.1
		i=$((i + 1))
	done
	rmmod msgport
	[ ! -e /dev/syslet ] || fail "/dev/syslet left behind"
}

t "syslet-isolation: insmod" test_iso_load
selftests syslet-isolation syslet_isolation
t "syslet-isolation: rmmod" test_iso_unload
