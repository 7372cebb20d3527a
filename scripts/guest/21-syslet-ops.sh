# SPDX-License-Identifier: GPL-2.0
# syslet's op table in Debian's 6.12 kernel: every row of the op table
# test (tools/tests/syslet_ops*.c, each in its own process, bounded in
# time): each native operation as the direct system call and as three
# kinds of atom, in the same setup, with the same result and side
# effects; and a row for every native op of syslet/opdef.c.
#
# Runs after 20-syslet.sh has unloaded the modules: it loads them itself
# (unless loaded) and unloads them at the end.  Needs root (its denial
# cases drop to uid 65534 in children).
M=/lib/msgport

test_ops_load() {
	grep -q '^msgport ' /proc/modules || insmod $M/msgport.ko
	grep -q '^syslet ' /proc/modules || insmod $M/syslet.ko
	[ -c /dev/syslet ] || fail "no /dev/syslet"
}

test_ops_unload() {
	i=0
	until rmmod syslet 2>/dev/null; do
		[ $i -lt 50 ] || { rmmod syslet; fail "syslet still in use"; }
		sleep 0.1
		i=$((i + 1))
	done
	rmmod msgport
	[ ! -e /dev/syslet ] || fail "/dev/syslet left behind"
}

t "syslet-ops: insmod" test_ops_load
selftests syslet-ops syslet_ops
t "syslet-ops: rmmod" test_ops_unload
