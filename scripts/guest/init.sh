#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# Guest init: set up, run the suite (or the demo), dump dmesg, power off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
export PATH=/bin
# The loopback interface, for every TCP test, demo and benchmark (fails
# harmlessly in a kernel without TCP/IP).
ifconfig lo up 2>/dev/null
# The scratch disk of scripts/vm.sh, where the kernel has virtio_blk (as
# Debian's module, or not at all: the tests that need /dev/vda skip).
[ -e /dev/vda ] || insmod /lib/kmod/virtio_blk.ko 2>/dev/null || true

mode=test
grep -q 'vmmode=demo' /proc/cmdline && mode=demo
grep -q 'vmmode=bench' /proc/cmdline && mode=bench
grep -q 'vmmode=sign' /proc/cmdline && mode=sign
# The scheduler's preempt-notifier key held on from here to power-off
# (syslet/test/preempt_hold.c says why), before VM-BEGIN: scripts/vm.sh
# boots again if this patching trips qemu.  Not in the signing run, whose
# kernel refuses unsigned modules.
if [ "$mode" != sign ]; then
	_key=$(awk '$3 == "preempt_notifier_key" { print $1 }' /proc/kallsyms)
	insmod /lib/msgport/preempt_hold.ko ${_key:+key=0x$_key} 2>/dev/null ||
		echo "preempt_hold.ko did not load (no preempt notifiers in this kernel?)"
fi
# The same for the keys that the isolation tests' cgroups flip (the
# scheduler's CFS bandwidth key, on while any cgroup has a CPU quota, and
# memcg's, at the first memory cgroup): flipped once here, and held by a
# cgroup with a quota too large to throttle, which no task joins.
if [ "$mode" = test ] && mkdir -p /sys/fs/cgroup &&
   mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null; then
	for _c in cpu memory; do
		echo "+$_c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	done
	mkdir /sys/fs/cgroup/msgport-hold &&
		echo "10000000 100000" >/sys/fs/cgroup/msgport-hold/cpu.max 2>/dev/null
fi
. /tests/lib.sh

echo
echo "VM-BEGIN $mode"
leak_setup
if [ "$mode" = demo ]; then
	. /tests/demo.sh
elif [ "$mode" = bench ]; then
	. /tests/bench.sh
elif [ "$mode" = sign ]; then
	. /tests/sign.sh
else
	only=$(sed -n 's/.*vmonly=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
	for f in /tests/[0-9]*.sh; do
		if [ -n "$only" ]; then
			_want=0
			for _o in $only; do
				case ${f#/tests/} in "$_o"*) _want=1 ;; esac
			done
			[ $_want -eq 1 ] || continue
		fi
		. "$f"
	done
fi
debug_final
echo "VM-END"
echo "----- dmesg -----"
dmesg
echo "----- end of dmesg -----"
poweroff -f
