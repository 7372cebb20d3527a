# SPDX-License-Identifier: GPL-2.0
# make bench, in the guest: run the benchmarks and print their RESULT
# lines (scripts/bench.sh turns them into tables).  smoke=1: tiny sizes.
# benchrounds=N: N rounds, each running every benchmark once, so that the
# mechanisms take turns over the whole boot; every round starts with a
# "bench: ROUND k" line.  icount=1: the benchmarks also print an IMARK
# line per measured section, for the instruction-counting plugin.
M=/lib/msgport
only=$(sed -n 's/.*benchonly=\([^ ]*\).*/\1/p' /proc/cmdline)
rounds=$(sed -n 's/.*benchrounds=\([0-9]*\).*/\1/p' /proc/cmdline)
icount=0
grep -q 'icount=1' /proc/cmdline && icount=1
if grep -q 'smoke=1' /proc/cmdline; then
	args="iters=50 reps=1"
	reps=1
	rounds=1
else
	args="iters=2000 reps=5"
	reps=5
fi
[ -n "$rounds" ] || rounds=1

# The syslet benchmarks read from an ext4-driver RAM disk.
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
# BENCH_PIN=1 (vm.sh): S5's server on CPU 1, its client on CPU 0.
grep -q 'benchpin=1' /proc/cmdline && export SYSLET_BENCH_PIN=1
export SYSLET_BENCH_ICOUNT=$icount

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
			echo "bench: ROUND $ab$round"
			SYSLET_BENCH_TAG=$ab$round syslet_bench /mnt/bench.dat $reps |
				grep -v 'syslet_bench: DONE'
			rmmod syslet
		done
	done
fi

# The fio rows (fio_bench), once per round.
. /tests/bench-fio.sh

round=1
while [ $round -le $rounds ]; do
	echo "bench: ROUND $round"
	# --only: the M benchmarks named, or none if only S ones are.
	monly=$(echo "$only" | tr , '\n' | grep '^M' | tr '\n' , | sed 's/,$//')
	if [ -z "$only" ] || [ -n "$monly" ]; then
		dmesg_mark
		insmod $M/msgport_bench.ko $args icount=$icount only=$monly
		i=0
		while ! dmesg_new | grep -q 'msgport_bench: DONE'; do
			sleep 1
			i=$((i + 1))
			[ $i -lt 600 ] || break
		done
		dmesg_new | grep -E 'msgport_bench: (RESULT|IMARK|DONE)' |
			sed 's/^\[ *[0-9.]*\] //'
		rmmod msgport_bench
	fi
	# BENCH_SYSLET_ARGS (vm.sh): module parameters, comma-separated.
	insmod $M/syslet.ko $(sed -n 's/.*sysletargs=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
	# For scripts/bench-profile.py: where the modules' functions are.
	if grep -q 'profile=1' /proc/cmdline; then
		echo KSYMS-BEGIN
		grep ' [tT] ' /proc/kallsyms | gzip -1 | base64
		echo KSYMS-END
	fi
	[ -n "$only" ] && [ -z "$(echo "$only" | tr , '\n' | grep '^S')" ] ||
		syslet_bench /mnt/bench.dat $reps
	[ -n "$only" ] || fio_bench
	rmmod syslet
	round=$((round + 1))
done
umount /mnt
rmmod msgport
