# SPDX-License-Identifier: GPL-2.0
# upcall (/dev/upcall, in syslet.ko) in Debian's 6.12 kernel: every
# selftest of tools/tests/upcall_test.c, each in its own process, bounded
# in time; then unload.
M=/lib/msgport

test_upcall_load() {
	insmod $M/msgport.ko
	insmod $M/syslet.ko
	[ -c /dev/upcall ] || fail "no /dev/upcall"
	ls -l /dev/upcall | grep -q '^crw-rw-rw-' || fail "mode is not 0666"
}

test_upcall_unload() {
	rmmod syslet
	rmmod msgport
	[ ! -e /dev/upcall ] || fail "/dev/upcall left behind"
}

t "upcall: insmod, /dev/upcall mode 0666" test_upcall_load
selftests upcall upcall_test
t "upcall: rmmod" test_upcall_unload
