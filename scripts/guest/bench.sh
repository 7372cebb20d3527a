# SPDX-License-Identifier: GPL-2.0
# make bench, in the guest: run the benchmark module, print its RESULT
# lines (scripts/bench.sh turns them into tables).  smoke=1: tiny sizes.
M=/lib/msgport
only=$(sed -n 's/.*benchonly=\([^ ]*\).*/\1/p' /proc/cmdline)
if grep -q 'smoke=1' /proc/cmdline; then
	args="iters=50 reps=1"
else
	args="iters=2000 reps=7"
fi
if [ -z "$only" ]; then
	insmod $M/msgport.ko
	dmesg_mark
	insmod $M/msgport_bench.ko $args
	i=0
	while ! dmesg_new | grep -q 'msgport_bench: DONE'; do
		sleep 1
		i=$((i + 1))
		[ $i -lt 600 ] || break
	done
	dmesg_new | grep -E 'msgport_bench: (RESULT|DONE)' | sed 's/^\[ *[0-9.]*\] //'
	rmmod msgport_bench
	rmmod msgport
fi

# syslet against pread and io_uring, on an ext4-driver RAM disk.
if grep -q 'smoke=1' /proc/cmdline; then
	reps=1
else
	reps=9
fi
for m in crc32c_generic crc16 jbd2 mbcache ext4; do
	insmod /lib/kmod/$m.ko 2>/dev/null || true
done
insmod /lib/kmod/brd.ko rd_size=16384
mkdir -p /mnt
mke2fs -q /dev/ram0 >/dev/null 2>&1
mount -t ext4 /dev/ram0 /mnt
insmod $M/msgport.ko
# bench.sh --only S2,S4: only those syslet benchmarks.
export SYSLET_BENCH_ONLY=$only
# A/B (scripts/bench.sh --ab REV): the other build and this one, in
# turns (A1 B1 A2 B2), so that a slow phase of the host hits both.
if [ -f $M/syslet-a.ko ]; then
	for round in 1 2; do
		for ab in A B; do
			if [ $ab = A ]; then
				insmod $M/syslet-a.ko
			else
				insmod $M/syslet.ko
			fi
			SYSLET_BENCH_TAG=$ab$round syslet_bench /mnt/bench.dat $reps |
				grep -v 'syslet_bench: DONE'
			rmmod syslet
		done
	done
fi
insmod $M/syslet.ko
syslet_bench /mnt/bench.dat $reps
[ -n "$only" ] || . /tests/bench-fio.sh
umount /mnt
rmmod syslet
rmmod msgport
