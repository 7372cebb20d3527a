# SPDX-License-Identifier: GPL-2.0
# make bench, in the guest: run the benchmark module, print its RESULT
# lines (scripts/bench.sh turns them into tables).  smoke=1: tiny sizes.
M=/lib/msgport
if grep -q 'smoke=1' /proc/cmdline; then
	args="iters=50 reps=1"
else
	args="iters=2000 reps=7"
fi
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
