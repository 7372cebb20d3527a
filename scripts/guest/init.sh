#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# Guest init: set up, run the suite (or the demo), dump dmesg, power off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
export PATH=/bin

mode=test
grep -q 'vmmode=demo' /proc/cmdline && mode=demo
grep -q 'vmmode=bench' /proc/cmdline && mode=bench
. /tests/lib.sh

echo
echo "VM-BEGIN $mode"
leak_setup
if [ "$mode" = demo ]; then
	. /tests/demo.sh
elif [ "$mode" = bench ]; then
	. /tests/bench.sh
else
	for f in /tests/[0-9]*.sh; do
		. "$f"
	done
fi
debug_final
echo "VM-END"
echo "----- dmesg -----"
dmesg
echo "----- end of dmesg -----"
poweroff -f
