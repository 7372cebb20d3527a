# SPDX-License-Identifier: GPL-2.0
# syslet in Debian's 6.12 kernel: the device, every selftest of
# tools/tests/syslet_test.c, syslet_net.c and syslet_genuine.c (each in
# its own process, bounded in time), the copy and echo demos, rmmod
# refused while a context is open.
M=/lib/msgport

# The count of the scheduler's preempt-notifier key, which init.sh's
# preempt_hold.ko holds from boot; empty where that module did not find
# the key (a kernel without CONFIG_KALLSYMS_ALL).
preempt_key() {
	cat /sys/module/preempt_hold/parameters/count 2>/dev/null || true
}
KEY0=$(preempt_key)

# t NAME CMD for a test of the key's count, or why it skips.
key_test() {
	if [ -n "$KEY0" ]; then
		t "$@"
	elif [ ! -d /sys/module/preempt_hold ]; then
		# preempt_hold.ko refuses to load there (EOPNOTSUPP).
		echo "ok - $1 # SKIP no preempt notifiers in this kernel (CONFIG_PREEMPT_NOTIFIERS)"
	else
		echo "ok - $1 # SKIP no preempt_notifier_key in /proc/kallsyms"
	fi
}

test_syslet_load() {
	insmod $M/msgport.ko
	insmod $M/syslet.ko
	[ -c /dev/syslet ] || fail "no /dev/syslet"
	ls -l /dev/syslet | grep -q '^crw-rw-rw-' || fail "mode is not 0666"
}

# syslet takes the key while it is loaded: its workers hand their chains
# on when they block only if the scheduler calls its notifiers.
test_syslet_key_taken() {
	[ "$(preempt_key)" = $((KEY0 + 1)) ] ||
		fail "the key's count is $(preempt_key), $KEY0 before insmod"
}

test_syslet_copy() {
	dd if=/dev/urandom of=/tmp/copy-src bs=4096 count=300 2>/dev/null
	dd if=/dev/urandom bs=1000 count=1 2>/dev/null >>/tmp/copy-src
	syslet_copy /tmp/copy-src /tmp/copy-dst
	cmp /tmp/copy-src /tmp/copy-dst
	cmp /tmp/copy-src /tmp/copy-dst.async
}

# 48 connections x 200 messages of 1 to 1500 bytes, every byte checked.
test_syslet_echo() {
	timeout 120 echo_server -c 48 -m 200 -s 1500
}

test_syslet_rmmod_busy() {
	sleep 600 </dev/syslet &
	pid=$!
	# Until the holder has the device open (its fd 0).
	i=0
	while [ "$(readlink /proc/$pid/fd/0 2>/dev/null)" != /dev/syslet ]; do
		[ $i -lt 100 ] || fail "the holder did not open /dev/syslet"
		sleep 0.1
		i=$((i + 1))
	done
	if rmmod syslet 2>/dev/null; then
		fail "syslet unloaded with a context open"
	fi
	kill $pid
	wait $pid 2>/dev/null || true
}

test_syslet_unload() {
	rmmod syslet
	rmmod msgport
	[ ! -e /dev/syslet ] || fail "/dev/syslet left behind"
}

test_syslet_key_given_back() {
	[ "$(preempt_key)" = "$KEY0" ] ||
		fail "the key's count is $(preempt_key), $KEY0 before insmod"
}

# A kernel without workers: REGISTER of a valid ring fails with
# EOPNOTSUPP, and nothing else.
test_syslet_no_workers() {
	syslet_test register-eopnotsupp
}

t "syslet: insmod, /dev/syslet mode 0666" test_syslet_load
t "syslet: /sys/module/syslet/version" module_version syslet
key_test "syslet: takes the scheduler's preempt-notifier key" test_syslet_key_taken
if no_workers; then
	t "syslet: REGISTER is EOPNOTSUPP without workers" test_syslet_no_workers
fi
selftests syslet syslet_test
selftests syslet-net syslet_net
selftests syslet-genuine syslet_genuine
if no_workers; then
	echo "ok - syslet: file copy as a looping chain (demo) # SKIP $NO_WORKERS"
	echo "ok - syslet: TCP echo server, a looping chain per connection (demo) # SKIP $NO_WORKERS"
elif [ -e /proc/net/tcp ]; then
	t "syslet: file copy as a looping chain (demo)" test_syslet_copy
	t "syslet: TCP echo server, a looping chain per connection (demo)" test_syslet_echo
else
	t "syslet: file copy as a looping chain (demo)" test_syslet_copy
	echo "ok - syslet: TCP echo server, a looping chain per connection (demo) # SKIP no TCP/IP in this kernel"
fi
t "syslet: rmmod refused while a context is open" test_syslet_rmmod_busy
t "syslet: rmmod" test_syslet_unload
key_test "syslet: the preempt-notifier key given back at rmmod" test_syslet_key_given_back
