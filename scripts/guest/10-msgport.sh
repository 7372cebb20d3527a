# SPDX-License-Identifier: GPL-2.0
# msgport in Debian's 6.12 kernel: load, per-CPU threads, the msgport(9)
# examples, unload refused while a client is loaded, traffic across CPU
# hotplug with nothing lost, unload and reload.
M=/lib/msgport

test_load() {
	insmod $M/msgport.ko
	grep -q '^msgport ' /proc/modules
}

test_threads() {
	n=$(lwkt_threads)
	[ "$n" -eq "$(ncpus)" ] || fail "$n lwkt threads for $(ncpus) CPUs"
}

test_examples() {
	dmesg_mark
	insmod $M/msgport_example.ko
	dmesg_new >/tmp/ex.log
	cat /tmp/ex.log
	grep -q 'all examples passed' /tmp/ex.log
	cpu=0
	while [ $cpu -lt "$(ncpus)" ]; do
		grep -q "Received message on CPU $cpu\." /tmp/ex.log ||
			fail "example 1: CPU $cpu did not answer"
		grep -q "lwkt/$cpu served a message on CPU $cpu\$" /tmp/ex.log ||
			fail "service thread of CPU $cpu did not answer"
		cpu=$((cpu + 1))
	done
	grep -q 'myservice: Hi insmod! Got your msg\.' /tmp/ex.log ||
		fail "example 2: no greeting"
}

test_unload_refused() {
	if rmmod msgport 2>/dev/null; then
		fail "msgport unloaded under a client"
	fi
	grep -q '^msgport ' /proc/modules
	rmmod msgport_example
}

cpu1_cycle() {
	echo 0 >/sys/devices/system/cpu/cpu1/online
	sleep 0.3
	echo 1 >/sys/devices/system/cpu/cpu1/online
	sleep 0.3
}

# The trace events fire with their fields while the example runs, and
# each service thread's statistics count what it served.
test_trace_stats() {
	T=/sys/kernel/tracing S=/sys/kernel/debug/msgport/services
	[ -e $T/trace ] || mount -t tracefs tracefs $T 2>/dev/null
	[ -e $S ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	[ -e $T/events/msgport/enable ] || fail "no msgport events in tracefs"
	[ -r $S ] || fail "no $S"
	head -1 $S | grep -q '^cpu served batches spins sleeps held$' ||
		fail "$S: unexpected header"
	before=$(awk 'NR > 1 { s += $2 } END { print s + 0 }' $S)
	echo >$T/trace
	echo 1 >$T/events/msgport/enable
	insmod $M/msgport_example.ko
	echo 0 >$T/events/msgport/enable
	# Read while the example's symbols can still be resolved.
	cat $T/trace >/tmp/trace.txt
	rmmod msgport_example
	grep -q 'msgport_send: port=[0-9a-f]* msg=[0-9a-f]* flags=0x[0-9a-f]* cmd=where' /tmp/trace.txt ||
		fail "no msgport_send of the example's where()"
	grep -q 'msgport_reply: port=.* error=0' /tmp/trace.txt ||
		fail "no msgport_reply"
	cpu=0
	while [ $cpu -lt "$(ncpus)" ]; do
		grep -q "msgport_batch: port=[0-9a-f]* cpu=$cpu n=[1-9]" /tmp/trace.txt ||
			fail "no msgport_batch of lwkt/$cpu"
		awk -v c=$cpu '$1 == c && $2 > 0 && $3 > 0 { ok = 1 } END { exit !ok }' $S ||
			fail "lwkt/$cpu: nothing served in $S"
		cpu=$((cpu + 1))
	done
	after=$(awk 'NR > 1 { s += $2 } END { print s + 0 }' $S)
	[ "$after" -gt "$before" ] || fail "served: $before before the example, $after after"
}

test_hotplug_traffic() {
	[ -e /sys/devices/system/cpu/cpu1/online ] || fail "no CPU 1 to unplug"
	dmesg_mark
	insmod $M/msgport_example.ko traffic=1
	sleep 0.5
	for i in 1 2 3; do
		cpu1_cycle
	done
	rmmod msgport_example
	dmesg_new | grep 'traffic:' >/tmp/tr.log
	cat /tmp/tr.log
	line=$(grep 'sent=' /tmp/tr.log)
	sent=$(echo "$line" | sed -n 's/.*sent=\([0-9]*\).*/\1/p')
	replied=$(echo "$line" | sed -n 's/.*replied=\([0-9]*\).*/\1/p')
	[ "$sent" -gt 0 ] || fail "no traffic"
	[ "$sent" -eq "$replied" ] || fail "sent $sent, replied $replied"
	echo "$line" | grep -q 'bad=0 lost=0'
	# The embedded (send-if-idle) and fire-and-forget messages: all run
	# and replied by the time lwkt_cpu_ports_sync() returned at unload.
	grep -q 'kicks=[1-9][0-9]* fired=[1-9][0-9]* unfinished=0$' /tmp/tr.log ||
		fail "unfinished messages at unload"
	# The fired ones ran on the module's own threads, with their rollup.
	grep -q 'rollups=[1-9]' /tmp/tr.log || fail "no rollup ran"
	grep -q 'served on CPU 1$' /tmp/tr.log || fail "CPU 1 served nothing"
	[ "$(lwkt_threads)" -eq "$(ncpus)" ]
}

# The pid of CPU @1's service thread (named lwkt/CPU).
lwkt_pid() {
	for d in /proc/[0-9]*; do
		[ "$(cat $d/comm 2>/dev/null)" = "lwkt/$1" ] && { echo ${d#/proc/}; return 0; }
	done
	return 1
}

cpus_allowed() {
	sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$1/status
}

# Traffic served on CPU 1 does not show that its thread is bound there
# again (an unbound thread serves some too): its affinity does.
test_hotplug_rebind() {
	[ -e /sys/devices/system/cpu/cpu1/online ] || fail "no CPU 1 to unplug"
	pid=$(lwkt_pid 1) || fail "no lwkt/1 thread"
	[ "$(cpus_allowed $pid)" = 1 ] ||
		fail "lwkt/1 allowed on $(cpus_allowed $pid) before the cycle"
	echo 0 >/sys/devices/system/cpu/cpu1/online
	off=$(cpus_allowed $pid)
	echo 1 >/sys/devices/system/cpu/cpu1/online
	on=$(cpus_allowed $pid)
	echo "lwkt/1 (pid $pid) allowed on: offline $off, online again $on"
	[ "$(lwkt_pid 1)" = "$pid" ] || fail "lwkt/1 was replaced"
	[ "$on" = 1 ] || fail "lwkt/1 not bound to CPU 1 again: allowed on $on"
}

test_unload() {
	rmmod msgport
	if grep -q '^msgport ' /proc/modules; then
		fail "msgport still loaded"
	fi
	# kthread_stop() returns before the thread has left /proc.
	i=0
	while [ "$(lwkt_threads)" -ne 0 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(lwkt_threads)" -eq 0 ] || fail "service threads left behind"
}

test_reload() {
	insmod $M/msgport.ko
	insmod $M/msgport_example.ko
	rmmod msgport_example
	rmmod msgport
}

t "msgport: insmod" test_load
t "msgport: /sys/module/msgport/version" module_version msgport
t "msgport: one service thread per CPU" test_threads
t "msgport: msgport(9) examples in a client module" test_examples
t "msgport: rmmod refused while a client is loaded" test_unload_refused
if [ -e /sys/kernel/tracing/trace ] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null; then
	t "msgport: trace events and service-thread statistics" test_trace_stats
else
	echo "ok - msgport: trace events and service-thread statistics # SKIP no tracefs in this kernel"
fi
t "msgport: traffic across CPU 1 offline/online, nothing lost" test_hotplug_traffic
t "msgport: CPU 1's service thread bound to it again after offline/online" test_hotplug_rebind
t "msgport: rmmod stops the service threads" test_unload
t "msgport: reload" test_reload
