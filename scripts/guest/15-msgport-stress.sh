# SPDX-License-Identifier: GPL-2.0
# msgport under stress (msgport/stress/msgport_stress.c): producers send,
# abort and drop messages to a spin port, a thread port and the per-CPU
# service ports while CPU 1 goes offline and online; every message must
# come back exactly once.  A timed run, then a run removed while it goes
# on (with CPU 1 offline during the drain); then the example's netisr-style
# client, removed under load.  With stress=1 on the kernel command line
# the first two runs are much longer.
#
# 10-msgport.sh leaves msgport unloaded; this script loads it and unloads
# it again at the end.
M=/lib/msgport
S=/sys/module/msgport_stress/parameters
CPU1=/sys/devices/system/cpu/cpu1/online

if grep -qw 'stress=1' /proc/cmdline; then
	stress_secs=60		# timed run, CPU 1 cycled throughout
	stress_rm_cycles=30	# CPU 1 cycles before the rmmod of run 2
else
	stress_secs=3
	stress_rm_cycles=1
fi

stress_running() {
	[ "$(cat $S/result 2>/dev/null)" = running ]
}

stress_cpu1_cycle() {
	echo 0 >$CPU1
	sleep 0.2
	echo 1 >$CPU1
	sleep 0.2
}

# stress_check LOG: the last report in LOG (msgport_stress's dmesg lines)
# passes, its counts close, and aborts and drops happened.
stress_check() {
	sed 's/^\[[^]]*\] //' "$1" | sed -n '/unload after/,$p' >/tmp/stress.report
	line=$(grep '^msgport_stress: sent=' /tmp/stress.report | tail -1)
	[ -n "$line" ] || fail "no report after rmmod"
	num() {
		echo "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"
	}
	sent=$(num sent)
	replied=$(num replied)
	aborted=$(num aborted)
	dropped=$(num dropped)
	[ "$sent" -gt 0 ] || fail "nothing sent"
	[ "$sent" -eq $((replied + aborted + dropped)) ] ||
		fail "sent $sent != replied + aborted + dropped"
	echo "$line" | grep -q ' dup=0 lost=0 bad=0$' || fail "$line"
	[ "$aborted" -gt 0 ] || fail "no message was aborted"
	[ "$dropped" -gt 0 ] || fail "no message was dropped"
	tail -1 /tmp/stress.report | grep -q '^msgport_stress: PASS$' ||
		fail "no PASS"
}

# Show the last report below the test's "ok" line.
stress_show() {
	cat /tmp/stress.cycles /tmp/stress.report 2>/dev/null | sed 's/^/#   /'
	rm -f /tmp/stress.cycles /tmp/stress.report
}

test_stress_load() {
	insmod $M/msgport.ko
	[ -e $CPU1 ] || fail "no CPU 1 to unplug"
}

test_stress_timed() {
	dmesg_mark
	insmod $M/msgport_stress.ko seconds=$stress_secs
	n=0
	while stress_running && [ $n -lt 1000 ]; do
		stress_cpu1_cycle
		n=$((n + 1))
	done
	echo "CPU 1 offline/online cycles during the run: $n" >/tmp/stress.cycles
	[ "$n" -gt 0 ] || fail "the run ended before CPU 1 went offline"
	# Wait for the drain (bounded by the module's own timeout).
	i=0
	while stress_running && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	cat $S/result
	grep -q 'PASS$' $S/result || fail "result: $(cat $S/result)"
	rmmod msgport_stress
	dmesg_new | grep 'msgport_stress:' >/tmp/stress.log
	stress_check /tmp/stress.log
}

test_stress_rmmod_running() {
	dmesg_mark
	insmod $M/msgport_stress.ko seconds=3600
	sleep 0.5
	n=0
	while [ $n -lt $stress_rm_cycles ]; do
		stress_cpu1_cycle
		n=$((n + 1))
	done
	echo "CPU 1 offline/online cycles, then offline for the rmmod: $n" \
		>/tmp/stress.cycles
	echo 0 >$CPU1
	sleep 0.2
	stress_running || fail "the run ended before rmmod"
	rmmod msgport_stress
	echo 1 >$CPU1
	dmesg_new | grep 'msgport_stress:' >/tmp/stress.log
	stress_check /tmp/stress.log
}

# The example's netisr-style client (msgport_example netisr=1): timers
# feed hash-partitioned per-CPU counters while flows are replaced from
# their owning threads; CPU 1 goes offline and online meanwhile and
# offline again for the rmmod, which comes while the timers run.  Every
# message the timers sent must have been counted exactly once or dropped.
test_netisr() {
	dmesg_mark
	insmod $M/msgport_example.ko netisr=1
	sleep 0.5
	n=0
	while [ $n -lt $((stress_rm_cycles + 2)) ]; do
		stress_cpu1_cycle
		n=$((n + 1))
	done
	echo 0 >$CPU1
	sleep 0.2
	rmmod msgport_example
	echo 1 >$CPU1
	dmesg_new | sed -n 's/^\[[^]]*\] msgport_example: \(netisr: \)/\1/p' \
		>/tmp/stress.report
	echo "CPU 1 offline/online cycles, then offline for the rmmod: $n" \
		>/tmp/stress.cycles
	line=$(grep '^netisr: sent=' /tmp/stress.report | tail -1)
	[ -n "$line" ] || fail "no report after rmmod"
	num() {
		echo "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"
	}
	sent=$(echo "$line" | sed -n 's/^netisr: sent=\([0-9]*\).*/\1/p')
	counted=$(num counted)
	dropped=$(num dropped)
	recycled=$(num recycled)
	[ "$sent" -gt 0 ] || fail "nothing sent"
	[ "$recycled" -gt 0 ] || fail "no flow was replaced"
	[ "$sent" -eq $((counted + dropped)) ] ||
		fail "sent $sent != counted $counted + dropped $dropped"
	echo "$line" | grep -q ' bad=0 lost=0$' || fail "$line"
}

test_stress_unload() {
	rmmod msgport
	[ "$(lwkt_threads)" -eq 0 ] || fail "service threads left behind"
}

t "msgport-stress: insmod msgport" test_stress_load
t "msgport-stress: ${stress_secs} s of traffic across CPU 1 offline/online" test_stress_timed
stress_show
echo 1 >$CPU1 2>/dev/null
t "msgport-stress: rmmod while traffic runs, CPU 1 offline" test_stress_rmmod_running
stress_show
echo 1 >$CPU1 2>/dev/null
t "msgport-stress: netisr-style example across CPU 1 offline/online, rmmod under load" test_netisr
stress_show
echo 1 >$CPU1 2>/dev/null
t "msgport-stress: rmmod msgport" test_stress_unload
