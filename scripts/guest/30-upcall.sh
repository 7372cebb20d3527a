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
for name in $(upcall_test --list); do
	timeout 60 upcall_test "$name" >/tmp/t.out 2>&1
	rc=$?
	case $rc in
	0) echo "ok - upcall: $name" ;;
	*) echo "not ok - upcall: $name (exit $rc)"
	   sed 's/^/#   /' /tmp/t.out ;;
	esac
	leak_check "after upcall: $name (or a test shortly before it)"
done
t "upcall: rmmod" test_upcall_unload
